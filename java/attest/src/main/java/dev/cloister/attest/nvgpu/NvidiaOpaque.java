package dev.cloister.attest.nvgpu;

import java.nio.charset.StandardCharsets;

/** NVIDIA's opaque-data types in the MEASUREMENTS response (nvtrust {@code OpaqueData.OPAQUE_DATA_TYPES}). */
final class NvidiaOpaque {

    static final int DRIVER_VERSION = 3;
    static final int VBIOS_VERSION = 6;
    static final int NVDEC0_STATUS = 11;
    static final int CHIP_SKU = 15;
    static final int PROJECT = 17;
    static final int PROJECT_SKU = 18;
    static final int FWID = 20;
    static final int PROTECTED_PCIE_STATUS = 21;
    static final int FEATURE_FLAG = 36;

    private NvidiaOpaque() {}

    /** A one-byte status field (NVDEC0, protected PCIe): 0xAA enabled, 0x55 disabled, anything else as hex. */
    static String status(byte[] v) {
        if (v.length != 1) {
            return "malformed (" + v.length + " bytes)";
        }
        return switch (v[0] & 0xff) {
            case 0xAA -> "enabled";
            case 0x55 -> "disabled";
            default -> String.format("unknown (0x%02x)", v[0] & 0xff);
        };
    }

    /**
     * The multi-GPU mode of the signed report (FEATURE_FLAG; absent in older firmware, "legacy"): 0 SPT (single GPU
     * passthrough), 1 MPT (multi GPU passthrough), 2 PPCIE (protected PCIe).
     */
    static String featureFlag(byte[] v) {
        if (v.length != 1) {
            return "malformed (" + v.length + " bytes)";
        }
        return switch (v[0] & 0xff) {
            case 0 -> "SPT";
            case 1 -> "MPT";
            case 2 -> "PPCIE";
            default -> String.format("unknown (0x%02x)", v[0] & 0xff);
        };
    }

    /** ASCII up to the first NUL. */
    static String ascii(byte[] v) {
        int n = 0;
        while (n < v.length && v[n] != 0) {
            n++;
        }
        return new String(v, 0, n, StandardCharsets.US_ASCII);
    }

    /** VBIOS version as NVIDIA prints it: bytes 3,2,1,0 then 4, two hex digits each ("96.00.9f.00.01"). */
    static String vbios(byte[] v) {
        if (v.length != 8) {
            return null;
        }
        return String.format(
                "%02x.%02x.%02x.%02x.%02x", v[3] & 0xff, v[2] & 0xff, v[1] & 0xff, v[0] & 0xff, v[4] & 0xff);
    }
}
