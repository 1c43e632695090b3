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

    private NvidiaOpaque() {
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
        return String.format("%02x.%02x.%02x.%02x.%02x", v[3] & 0xff, v[2] & 0xff, v[1] & 0xff, v[0] & 0xff,
                v[4] & 0xff);
    }
}
