package dev.cloister.tokens.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A bounded parser for the RFC 9110 §11 challenge / credentials grammar:
 * <pre>
 * WWW-Authenticate = #challenge
 * challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-param       = token BWS "=" BWS ( token / quoted-string )
 * </pre>
 * Unquoted parameter values may also contain "=" and "/" so that unquoted base64 (with padding) parses.
 * Limits: {@link #MAX_LENGTH} characters, {@link #MAX_CHALLENGES} challenges, {@link #MAX_PARAMS} parameters each.
 */
public final class AuthHeaderParser {
    public static final int MAX_LENGTH = 16 * 1024;
    public static final int MAX_CHALLENGES = 16;
    public static final int MAX_PARAMS = 32;

    private final String s;
    private int pos;

    private AuthHeaderParser(String s) {
        this.s = s;
    }

    /** Parses a header value into its challenges, in order. */
    public static List<AuthChallenge> parse(String headerValue) throws AuthHeaderException {
        if (headerValue == null) {
            throw new AuthHeaderException("no header value", -1);
        }
        if (headerValue.length() > MAX_LENGTH) {
            throw new AuthHeaderException("header value longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
        }
        return new AuthHeaderParser(headerValue).challenges();
    }

    private List<AuthChallenge> challenges() throws AuthHeaderException {
        List<AuthChallenge> out = new ArrayList<>();
        while (true) {
            skipListSeparators();
            if (pos >= s.length()) {
                break;
            }
            if (out.size() == MAX_CHALLENGES) {
                throw new AuthHeaderException("more than " + MAX_CHALLENGES + " challenges", pos);
            }
            out.add(challenge());
        }
        if (out.isEmpty()) {
            throw new AuthHeaderException("no challenge in header", 0);
        }
        return out;
    }

    private AuthChallenge challenge() throws AuthHeaderException {
        String scheme = token("auth-scheme");
        Map<String, String> params = new LinkedHashMap<>();
        if (pos >= s.length() || s.charAt(pos) == ',') {
            return new AuthChallenge(scheme, Optional.empty(), params);
        }
        if (s.charAt(pos) != ' ') {
            throw new AuthHeaderException("expected a space after auth-scheme \"" + scheme + "\"", pos);
        }
        skipSpaces();
        if (pos >= s.length() || s.charAt(pos) == ',') {
            return new AuthChallenge(scheme, Optional.empty(), params);
        }
        Optional<String> token68 = tryToken68();
        if (token68.isPresent()) {
            return new AuthChallenge(scheme, token68, params);
        }
        while (true) {
            if (params.size() == MAX_PARAMS) {
                throw new AuthHeaderException("more than " + MAX_PARAMS + " parameters", pos);
            }
            int at = pos;
            String name = token("auth-param name").toLowerCase(Locale.ROOT);
            skipSpaces();
            expect('=');
            skipSpaces();
            String value = pos < s.length() && s.charAt(pos) == '"' ? quotedString() : unquotedValue();
            if (params.put(name, value) != null) {
                throw new AuthHeaderException("parameter \"" + name + "\" repeated", at);
            }
            skipSpaces();
            if (pos >= s.length()) {
                break;
            }
            if (s.charAt(pos) != ',') {
                throw new AuthHeaderException("expected ',' after a parameter", pos);
            }
            // Another parameter of this challenge, or the start of the next challenge?
            int save = pos;
            skipListSeparators();
            if (pos >= s.length() || !startsParam()) {
                pos = save;
                break;
            }
        }
        return new AuthChallenge(scheme, Optional.empty(), params);
    }

    /** token BWS "=" at the current position (without consuming it). */
    private boolean startsParam() {
        int p = pos;
        while (p < s.length() && isTchar(s.charAt(p))) {
            p++;
        }
        if (p == pos) {
            return false;
        }
        while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
            p++;
        }
        return p < s.length() && s.charAt(p) == '=';
    }

    /** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", followed by end or ','. */
    private Optional<String> tryToken68() {
        int p = pos;
        while (p < s.length() && isToken68Char(s.charAt(p))) {
            p++;
        }
        if (p == pos) {
            return Optional.empty();
        }
        while (p < s.length() && s.charAt(p) == '=') {
            p++;
        }
        int end = p;
        while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
            p++;
        }
        if (p < s.length() && s.charAt(p) != ',') {
            return Optional.empty();
        }
        String t = s.substring(pos, end);
        pos = p;
        return Optional.of(t);
    }

    private String token(String what) throws AuthHeaderException {
        int start = pos;
        while (pos < s.length() && isTchar(s.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw new AuthHeaderException("expected " + what, pos);
        }
        return s.substring(start, pos);
    }

    private String unquotedValue() throws AuthHeaderException {
        int start = pos;
        while (pos < s.length() && (isTchar(s.charAt(pos)) || s.charAt(pos) == '=' || s.charAt(pos) == '/')) {
            pos++;
        }
        if (pos == start) {
            throw new AuthHeaderException("expected a parameter value", pos);
        }
        return s.substring(start, pos);
    }

    /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4). */
    private String quotedString() throws AuthHeaderException {
        int start = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= s.length()) {
                    break;
                }
                c = s.charAt(pos++);
            }
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new AuthHeaderException("control or non-Latin-1 character in quoted-string", pos - 1);
            }
            sb.append(c);
        }
        throw new AuthHeaderException("unterminated quoted-string", start);
    }

    private void expect(char c) throws AuthHeaderException {
        if (pos >= s.length() || s.charAt(pos) != c) {
            throw new AuthHeaderException("expected '" + c + "'", pos);
        }
        pos++;
    }

    private void skipSpaces() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
            pos++;
        }
    }

    /** OWS and empty list elements (RFC 9110 §5.6.1 allows "a, , b"). */
    private void skipListSeparators() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == ',')) {
            pos++;
        }
    }

    static boolean isTchar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isToken68Char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~+/".indexOf(c) >= 0;
    }
}
