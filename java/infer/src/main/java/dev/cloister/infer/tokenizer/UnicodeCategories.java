package dev.cloister.infer.tokenizer;

/**
 * The code point classes llama.cpp's pre-tokenizers test ({@code unicode_cpt_flags}): the general category group
 * (\p{N}, \p{L}, \p{Z}, \p{M}, \p{P}, \p{S}, \p{C}, or unassigned) and White_Space. llama.cpp's table is Unicode 15.1;
 * the JDK's is newer, so the code points Unicode 16.0 assigned count as unassigned here, as they do there (a test
 * compares the whole table with a digest of llama.cpp's).
 */
final class UnicodeCategories {

    static final int UNDEFINED = 0x001;
    static final int NUMBER = 0x002;
    static final int LETTER = 0x004;
    static final int SEPARATOR = 0x008;
    static final int MARK = 0x010;
    static final int PUNCTUATION = 0x020;
    static final int SYMBOL = 0x040;
    static final int CONTROL = 0x080;
    static final int WHITESPACE = 0x100;

    /** The largest code point plus one. */
    static final int CODE_POINTS = 0x110000;

    /** Unicode's White_Space property (PropList.txt). */
    private static final int[] WHITE_SPACE = {
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
        0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000
    };

    /** The ranges (first, last) of code points first assigned in Unicode 16.0 (DerivedAge.txt, "16.0"). */
    private static final int[] NEW_IN_16 = {
        0x897, 0x897, 0x1B4E, 0x1B4F, 0x1B7F, 0x1B7F, 0x1C89, 0x1C8A, 0x2427, 0x2429, 0x31E4, 0x31E5, 0xA7CB, 0xA7CD,
        0xA7DA, 0xA7DC, 0x105C0, 0x105F3, 0x10D40, 0x10D65, 0x10D69, 0x10D85, 0x10D8E, 0x10D8F, 0x10EC2, 0x10EC4,
        0x10EFC, 0x10EFC, 0x11380, 0x11389, 0x1138B, 0x1138B, 0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113C0,
        0x113C2, 0x113C2, 0x113C5, 0x113C5, 0x113C7, 0x113CA, 0x113CC, 0x113D5, 0x113D7, 0x113D8, 0x113E1, 0x113E2,
        0x116D0, 0x116E3, 0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9, 0x11F5A, 0x11F5A, 0x13460, 0x143FA, 0x16100, 0x16139,
        0x16D40, 0x16D79, 0x18CFF, 0x18CFF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3, 0x1E5D0, 0x1E5FA, 0x1E5FF, 0x1E5FF,
        0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1FA89, 0x1FA89, 0x1FA8F, 0x1FA8F, 0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6,
        0x1FADC, 0x1FADC, 0x1FADF, 0x1FADF, 0x1FAE9, 0x1FAE9, 0x1FBCB, 0x1FBEF
    };

    /** The flags of the first 64 Ki code points, looked up often. */
    private static final short[] BMP = new short[0x10000];

    static {
        for (int cpt = 0; cpt < BMP.length; cpt++) {
            BMP[cpt] = (short) compute(cpt);
        }
    }

    private UnicodeCategories() {}

    /** The flags of a code point; out of range ({@code >= 0x110000}) is unassigned. */
    static int of(int cpt) {
        if (cpt >= 0 && cpt < BMP.length) {
            return BMP[cpt];
        }
        return compute(cpt);
    }

    private static int compute(int cpt) {
        if (cpt < 0 || cpt >= CODE_POINTS) {
            return UNDEFINED;
        }
        int flags = isNewIn16(cpt) ? UNDEFINED : category(cpt);
        for (int space : WHITE_SPACE) {
            if (space == cpt) {
                flags |= WHITESPACE;
            }
        }
        return flags;
    }

    private static boolean isNewIn16(int cpt) {
        for (int i = 0; i < NEW_IN_16.length; i += 2) {
            if (cpt >= NEW_IN_16[i] && cpt <= NEW_IN_16[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private static int category(int cpt) {
        return switch (Character.getType(cpt)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER -> LETTER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL ->
                SYMBOL;
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE -> CONTROL;
            default -> UNDEFINED;
        };
    }

    static boolean isLetter(int flags) {
        return (flags & LETTER) != 0;
    }

    static boolean isNumber(int flags) {
        return (flags & NUMBER) != 0;
    }

    static boolean isWhitespace(int flags) {
        return (flags & WHITESPACE) != 0;
    }
}
