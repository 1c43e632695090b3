package dev.cloister.infer.tokenizer;

/**
 * UTF-8 as llama.cpp's tokenizer reads and writes it ({@code unicode_cpts_from_utf8}, {@code unicode_cpt_to_utf8}):
 * reading is lenient (a byte that does not start a complete sequence becomes U+FFFD and reading goes on with the next
 * byte; overlong forms and surrogates are taken at their value), writing refuses code points above U+10FFFF.
 */
final class Utf8 {

    private static final int REPLACEMENT = 0xFFFD;

    private Utf8() {}

    /** The length of the sequence a lead byte announces, by its high four bits (continuation bytes count as 1). */
    static int sequenceLength(byte lead) {
        int high = (lead & 0xFF) >>> 4;
        return high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
    }

    /** The code points of a whole array, leniently. */
    static int[] codePoints(byte[] utf8) {
        return codePointsLenient(utf8, 0, utf8.length);
    }

    /** The code points of {@code utf8[from, to)}, leniently. */
    static int[] codePointsLenient(byte[] utf8, int from, int to) {
        int[] out = new int[to - from];
        int n = 0;
        int at = from;
        while (at < to) {
            int b0 = utf8[at] & 0xFF;
            int cpt;
            int length;
            if ((b0 & 0x80) == 0) {
                cpt = b0;
                length = 1;
            } else if ((b0 & 0x40) == 0) {
                cpt = -1;
                length = 1;
            } else if ((b0 & 0x20) == 0) {
                length = 2;
                cpt = continued(utf8, at, to, length) ? ((b0 & 0x1F) << 6) | (utf8[at + 1] & 0x3F) : -1;
            } else if ((b0 & 0x10) == 0) {
                length = 3;
                cpt = continued(utf8, at, to, length)
                        ? ((b0 & 0x0F) << 12) | ((utf8[at + 1] & 0x3F) << 6) | (utf8[at + 2] & 0x3F)
                        : -1;
            } else if ((b0 & 0x08) == 0) {
                length = 4;
                cpt = continued(utf8, at, to, length)
                        ? (b0 & 0x07) << 18
                                | (utf8[at + 1] & 0x3F) << 12
                                | (utf8[at + 2] & 0x3F) << 6
                                | (utf8[at + 3] & 0x3F)
                        : -1;
            } else {
                cpt = -1;
                length = 1;
            }
            if (cpt < 0) {
                out[n++] = REPLACEMENT;
                at++;
            } else {
                out[n++] = cpt;
                at += length;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static boolean continued(byte[] utf8, int at, int to, int length) {
        if (at + length - 1 >= to) {
            return false;
        }
        for (int i = 1; i < length; i++) {
            if ((utf8[at + i] & 0xC0) != 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The UTF-8 of one code point.
     *
     * @throws IllegalArgumentException above U+10FFFF
     */
    static byte[] encode(int cpt) {
        if (cpt >= 0 && cpt <= 0x7F) {
            return new byte[] {(byte) cpt};
        }
        if (cpt >= 0x80 && cpt <= 0x7FF) {
            return new byte[] {(byte) (0xC0 | (cpt >> 6)), (byte) (0x80 | (cpt & 0x3F))};
        }
        if (cpt >= 0x800 && cpt <= 0xFFFF) {
            return new byte[] {
                (byte) (0xE0 | (cpt >> 12)), (byte) (0x80 | ((cpt >> 6) & 0x3F)), (byte) (0x80 | (cpt & 0x3F))
            };
        }
        if (cpt >= 0x10000 && cpt <= 0x10FFFF) {
            return new byte[] {
                (byte) (0xF0 | (cpt >> 18)),
                (byte) (0x80 | ((cpt >> 12) & 0x3F)),
                (byte) (0x80 | ((cpt >> 6) & 0x3F)),
                (byte) (0x80 | (cpt & 0x3F))
            };
        }
        throw new IllegalArgumentException("code point above U+10FFFF");
    }
}
