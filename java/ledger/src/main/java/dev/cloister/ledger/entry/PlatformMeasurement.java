package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
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
    record SevSnp(Bytes launchDigest) implements PlatformMeasurement {
        public SevSnp {
            if (launchDigest.length() != REGISTER_SIZE) {
                throw new IllegalArgumentException(
                        "SEV-SNP launch digest of " + launchDigest.length() + " bytes, want 48");
            }
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
        public String toString() {
            return "SevSnp[" + launchDigest.hex() + "]";
        }
    }

    /** Intel TDX: MRTD and the four RTMRs, 48 bytes each. Platform 0x02. */
    record Tdx(Bytes mrtd, List<Bytes> rtmrs) implements PlatformMeasurement {
        public Tdx {
            if (mrtd.length() != REGISTER_SIZE) {
                throw new IllegalArgumentException("TDX MRTD of " + mrtd.length() + " bytes, want 48");
            }
            rtmrs = List.copyOf(rtmrs);
            if (rtmrs.size() != 4) {
                throw new IllegalArgumentException(rtmrs.size() + " TDX RTMRs, want 4");
            }
            for (Bytes r : rtmrs) {
                if (r.length() != REGISTER_SIZE) {
                    throw new IllegalArgumentException("TDX RTMR of " + r.length() + " bytes, want 48");
                }
            }
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
        public String toString() {
            return "Tdx[mrtd=" + mrtd.hex() + "]";
        }
    }

    static PlatformMeasurement read(CanonicalReader r) throws FormatException {
        int platform = r.u8("platform id");
        return switch (platform) {
            case 0x01 -> new SevSnp(Bytes.of(r.fixed(REGISTER_SIZE, "SEV-SNP launch digest")));
            case 0x02 -> {
                Bytes mrtd = Bytes.of(r.fixed(REGISTER_SIZE, "TDX MRTD"));
                List<Bytes> rtmrs = List.of(
                        Bytes.of(r.fixed(REGISTER_SIZE, "TDX RTMR0")),
                        Bytes.of(r.fixed(REGISTER_SIZE, "TDX RTMR1")),
                        Bytes.of(r.fixed(REGISTER_SIZE, "TDX RTMR2")),
                        Bytes.of(r.fixed(REGISTER_SIZE, "TDX RTMR3")));
                yield new Tdx(mrtd, rtmrs);
            }
            default ->
                throw new FormatException(
                        "while reading a measurement: unknown platform 0x" + Integer.toHexString(platform));
        };
    }
}
