package dev.cloister.base;

import java.util.HexFormat;

/**
 * Hex text (RFC 4648 §8, "base16"). {@link #format} writes lowercase; {@link #parse} reads lowercase or uppercase
 * digits, two per byte, and nothing else: no prefix, no separators, no whitespace, and not both cases in one string,
 * so each byte string has exactly two spellings.
 */
public final class Hex {

    private static final HexFormat LOWER = HexFormat.of();
    private static final HexFormat UPPER = HexFormat.of().withUpperCase();

    private Hex() {}

    /** Lowercase hex of {@code bytes}. */
    public static String format(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /** Lowercase hex of {@code bytes[from, to)}. */
    public static String format(byte[] bytes, int from, int to) {
        return LOWER.formatHex(bytes, from, to);
    }

    /** Uppercase hex of {@code bytes} (the spelling of Intel's PCS and of some vendor files). */
    public static String formatUpperCase(byte[] bytes) {
        return UPPER.formatHex(bytes);
    }

    /**
     * The bytes that {@code text} spells.
     *
     * @throws MalformedHexException for an odd length, a character that is not a hex digit, or a mix of lowercase and
     *     uppercase digits; the message names the index
     */
    public static byte[] parse(CharSequence text) {
        int n = text.length();
        if (n % 2 != 0) {
            throw new MalformedHexException("hex of odd length " + n);
        }
        byte[] out = new byte[n / 2];
        int lower = -1;
        int upper = -1;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
                lower = lower < 0 ? i : lower;
            } else if (c >= 'A' && c <= 'F') {
                d = c - 'A' + 10;
                upper = upper < 0 ? i : upper;
            } else {
                throw new MalformedHexException(
                        "hex: character " + describe(c) + " at index " + i + " is not a hex digit");
            }
            if (lower >= 0 && upper >= 0) {
                throw new MalformedHexException(
                        "hex mixes lowercase (index " + lower + ") and uppercase (index " + upper + ") digits");
            }
            out[i / 2] = (byte) (out[i / 2] << 4 | d);
        }
        return out;
    }

    /**
     * The {@code length} bytes that {@code text} spells.
     *
     * @throws MalformedHexException as {@link #parse(CharSequence)}, or when {@code text} spells another length
     */
    public static byte[] parse(CharSequence text, int length) {
        if (text.length() != 2 * length) {
            throw new MalformedHexException(
                    "hex of " + text.length() + " characters, want " + 2 * length + " (" + length + " bytes)");
        }
        return parse(text);
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
