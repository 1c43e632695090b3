package dev.cloister.attest.measure;

import dev.cloister.base.Bytes;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A UEFI GUID in the byte order firmware stores it (UEFI spec, appendix A: the first three fields little-endian, the
 * last two as written).
 */
record EfiGuid(String canonical, Bytes bytes) {

    static final int SIZE = 16;

    static EfiGuid of(String canonical) {
        String[] f = canonical.split("-");
        if (f.length != 5
                || f[0].length() != 8
                || f[1].length() != 4
                || f[2].length() != 4
                || f[3].length() != 4
                || f[4].length() != 12) {
            throw new IllegalArgumentException("not a GUID: " + canonical);
        }
        HexFormat hex = HexFormat.of();
        byte[] out = new byte[SIZE];
        byte[] a = hex.parseHex(f[0]);
        byte[] b = hex.parseHex(f[1]);
        byte[] c = hex.parseHex(f[2]);
        for (int i = 0; i < 4; i++) {
            out[i] = a[3 - i];
        }
        out[4] = b[1];
        out[5] = b[0];
        out[6] = c[1];
        out[7] = c[0];
        System.arraycopy(hex.parseHex(f[3] + f[4]), 0, out, 8, 8);
        return new EfiGuid(canonical.toLowerCase(Locale.ROOT), Bytes.of(out));
    }

    boolean matches(byte[] image, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, image.length);
        for (int i = 0; i < SIZE; i++) {
            if (image[offset + i] != bytes.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Equal when the bytes are: {@code canonical} is only how the GUID is shown. */
    @Override
    public boolean equals(Object o) {
        return o instanceof EfiGuid g && bytes.equals(g.bytes);
    }

    @Override
    public int hashCode() {
        return bytes.hashCode();
    }

    @Override
    public String toString() {
        return canonical;
    }
}
