package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.nio.charset.StandardCharsets;

/**
 * The TDX registers that one host platform fixes for a release (release format v3): MRTD, the build-time measurement
 * of the TD's firmware (a named TDVF/OVMF build), and RTMR0, which the firmware extends with the host's TD-HOB, ACPI
 * tables and configuration (so it depends on the VMM, its version and the VM shape). The release's own
 * {@link TdxRuntime} gives RTMR1 and RTMR2; RTMR3 is extended at run time and fixed by no release.
 * <pre>
 * struct {
 *   opaque platform&lt;1..255&gt;;   // UTF-8, no control characters: the host platform and VM shape
 *   opaque firmware&lt;1..255&gt;;   // UTF-8, no control characters: the TDVF build MRTD is the measurement of
 *   opaque mrtd[48];
 *   opaque rtmr0[48];
 * } TdxPlatform;
 * </pre>
 */
public record TdxPlatform(String platform, String firmware, Bytes mrtd, Bytes rtmr0) {

    public TdxPlatform {
        EnclaveRelease.checkText("TDX platform name", platform);
        EnclaveRelease.checkText("TDX firmware name", firmware);
        if (mrtd.length() != PlatformMeasurement.REGISTER_SIZE || rtmr0.length() != PlatformMeasurement.REGISTER_SIZE) {
            throw new IllegalArgumentException("TDX platform '" + platform + "': MRTD/RTMR0 of " + mrtd.length() + "/"
                    + rtmr0.length() + " bytes, want 48");
        }
    }

    void write(CanonicalWriter w) {
        w.string8(platform).string8(firmware).fixed(mrtd).fixed(rtmr0);
    }

    static TdxPlatform read(CanonicalReader r) throws FormatException {
        String platform = r.string8("TDX platform name");
        String firmware = r.string8("TDX firmware name");
        Bytes mrtd = Bytes.of(r.fixed(PlatformMeasurement.REGISTER_SIZE, "TDX platform MRTD"));
        Bytes rtmr0 = Bytes.of(r.fixed(PlatformMeasurement.REGISTER_SIZE, "TDX platform RTMR0"));
        try {
            return new TdxPlatform(platform, firmware, mrtd, rtmr0);
        } catch (IllegalArgumentException e) {
            throw new FormatException("while reading a TDX platform: " + e.getMessage(), e);
        }
    }

    int comparePlatform(TdxPlatform o) {
        return java.util.Arrays.compareUnsigned(
                platform.getBytes(StandardCharsets.UTF_8), o.platform.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "TdxPlatform[" + platform + ", " + firmware + ", mrtd=" + mrtd.hex() + ", rtmr0=" + rtmr0.hex() + "]";
    }
}
