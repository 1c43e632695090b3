package dev.cloister.ledger.entry;

import dev.cloister.base.Hex;
import dev.cloister.ledger.FormatException;
import java.util.Arrays;
import java.util.List;

/**
 * The launch measurement of a confidential VM on one CPU platform. Encoded as {@code uint8 platform} followed by the
 * platform's fixed-size fields; a release lists at most one measurement per platform, in platform id order.
 */
public sealed interface PlatformMeasurement {

    /** Length of SEV-SNP and TDX measurement registers (SHA-384). */
    int REGISTER_SIZE = 48;

    /** The platform id on the wire. */
    int platformId();

    void write(CanonicalWriter w);

    /** AMD SEV-SNP: the 48-byte launch digest (MEASUREMENT field of the attestation report). Platform 0x01. */
    record SevSnp(byte[] launchDigest) implements PlatformMeasurement {
        public SevSnp {
            if (launchDigest.length != REGISTER_SIZE) {
                throw new IllegalArgumentException(
                        "SEV-SNP launch digest of " + launchDigest.length + " bytes, want 48");
            }
            launchDigest = launchDigest.clone();
        }

        @Override
        public byte[] launchDigest() {
            return launchDigest.clone();
        }

        @Override
        public int platformId() {
            return 0x01;
        }

        @Override
        public void write(CanonicalWriter w) {
            w.u8(platformId()).fixed(launchDigest);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SevSnp s && Arrays.equals(s.launchDigest, launchDigest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(launchDigest);
        }

        @Override
        public String toString() {
            return "SevSnp[" + Hex.format(launchDigest) + "]";
        }
    }

    /** Intel TDX: MRTD and the four RTMRs, 48 bytes each. Platform 0x02. */
    record Tdx(byte[] mrtd, List<byte[]> rtmrs) implements PlatformMeasurement {
        public Tdx {
            if (mrtd.length != REGISTER_SIZE) {
                throw new IllegalArgumentException("TDX MRTD of " + mrtd.length + " bytes, want 48");
            }
            if (rtmrs.size() != 4) {
                throw new IllegalArgumentException(rtmrs.size() + " TDX RTMRs, want 4");
            }
            mrtd = mrtd.clone();
            rtmrs = rtmrs.stream()
                    .map(r -> {
                        if (r.length != REGISTER_SIZE) {
                            throw new IllegalArgumentException("TDX RTMR of " + r.length + " bytes, want 48");
                        }
                        return r.clone();
                    })
                    .toList();
        }

        @Override
        public byte[] mrtd() {
            return mrtd.clone();
        }

        @Override
        public List<byte[]> rtmrs() {
            return rtmrs.stream().map(byte[]::clone).toList();
        }

        @Override
        public int platformId() {
            return 0x02;
        }

        @Override
        public void write(CanonicalWriter w) {
            w.u8(platformId()).fixed(mrtd);
            rtmrs.forEach(w::fixed);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Tdx t) || !Arrays.equals(t.mrtd, mrtd)) {
                return false;
            }
            for (int i = 0; i < 4; i++) {
                if (!Arrays.equals(t.rtmrs.get(i), rtmrs.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(mrtd);
        }

        @Override
        public String toString() {
            return "Tdx[mrtd=" + Hex.format(mrtd) + "]";
        }
    }

    static PlatformMeasurement read(CanonicalReader r) throws FormatException {
        int platform = r.u8("platform id");
        return switch (platform) {
            case 0x01 -> new SevSnp(r.fixed(REGISTER_SIZE, "SEV-SNP launch digest"));
            case 0x02 -> {
                byte[] mrtd = r.fixed(REGISTER_SIZE, "TDX MRTD");
                List<byte[]> rtmrs = List.of(
                        r.fixed(REGISTER_SIZE, "TDX RTMR0"),
                        r.fixed(REGISTER_SIZE, "TDX RTMR1"),
                        r.fixed(REGISTER_SIZE, "TDX RTMR2"),
                        r.fixed(REGISTER_SIZE, "TDX RTMR3"));
                yield new Tdx(mrtd, rtmrs);
            }
            default ->
                throw new FormatException(
                        "while reading a measurement: unknown platform 0x" + Integer.toHexString(platform));
        };
    }
}
