package dev.cloister.wire.bhttp;

/**
 * The byte-level rules that RFC 9292 borrows from HTTP: tokens (RFC 9110 §5.6.2), lowercase field names and field
 * values that would not make an HTTP/2 message malformed (RFC 9113 §8.2.1), and the request pseudo-header values of
 * RFC 9113 §8.3.1. Table lookups, no regular expressions: the gateway runs these on every request.
 */
final class HttpSyntax {

    /** {@code tchar} of RFC 9110 §5.6.2. */
    private static final boolean[] TCHAR = new boolean[256];

    /** {@code tchar} without the uppercase letters: a field name as RFC 9113 §8.2.1 and RFC 9292 §3.6 allow it. */
    private static final boolean[] NAME_CHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
        System.arraycopy(TCHAR, 0, NAME_CHAR, 0, 256);
        for (int c = 'A'; c <= 'Z'; c++) NAME_CHAR[c] = false;
    }

    private HttpSyntax() {}

    static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !TCHAR[c]) return false;
        }
        return true;
    }

    static boolean isToken(byte[] b, int off, int len) {
        if (len == 0) return false;
        for (int i = off, end = off + len; i < end; i++) {
            if (!TCHAR[b[i] & 0xff]) return false;
        }
        return true;
    }

    /** A non-empty lowercase token. */
    static boolean isFieldName(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !NAME_CHAR[c]) return false;
        }
        return true;
    }

    /** Index of the first byte that is not allowed in a field name, or -1; an empty name is reported at 0. */
    static int badFieldNameByte(byte[] b, int off, int len) {
        if (len == 0) return 0;
        for (int i = 0; i < len; i++) {
            if (!NAME_CHAR[b[off + i] & 0xff]) return i;
        }
        return -1;
    }

    /**
     * A field value of RFC 9113 §8.2.1: no NUL, LF or CR, and no SP or HTAB at either end. Other bytes, obs-text
     * (0x80-0xff) included, are kept as they are; a value is a string of ISO-8859-1 characters, one per byte.
     */
    static boolean isFieldValue(String s) {
        int n = s.length();
        if (n == 0) return true;
        if (isWhitespace(s.charAt(0)) || isWhitespace(s.charAt(n - 1))) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c > 0xff || c == 0 || c == '\n' || c == '\r') return false;
        }
        return true;
    }

    /** Index of the first byte that makes a field value invalid, or -1. */
    static int badFieldValueByte(byte[] b, int off, int len) {
        if (len == 0) return -1;
        if (isWhitespace(b[off])) return 0;
        for (int i = 0; i < len; i++) {
            byte c = b[off + i];
            if (c == 0 || c == '\n' || c == '\r') return i;
        }
        if (isWhitespace(b[off + len - 1])) return len - 1;
        return -1;
    }

    /**
     * A scheme, authority or path: visible ASCII (0x21-0x7e) only, possibly empty (RFC 9292 §3.4 encodes an absent
     * {@code :authority} as empty; a CONNECT request has no scheme or path).
     */
    static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }

    /** Index of the first byte that is not visible ASCII, or -1. */
    static int badVisibleAsciiByte(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            int c = b[off + i];
            if (c < 0x21 || c > 0x7e) return i;
        }
        return -1;
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t';
    }
}
