package dev.cloister.tokens.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict recursive-descent RFC 8259 parser with limits: at most {@code maxLength} characters and
 * {@code maxDepth} levels of nesting. Duplicate object member names are rejected.
 */
public final class JsonParser {
    private final String text;
    private final int maxDepth;
    private int pos;

    private JsonParser(String text, int maxDepth) {
        this.text = text;
        this.maxDepth = maxDepth;
    }

    /** Parses one JSON value (with surrounding whitespace only). */
    public static JsonValue parse(String text, int maxLength, int maxDepth) throws JsonException {
        if (text.length() > maxLength) {
            throw new JsonException("JSON text longer than " + maxLength + " characters", maxLength);
        }
        JsonParser p = new JsonParser(text, maxDepth);
        p.skipWhitespace();
        JsonValue v = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw new JsonException("trailing data after the JSON value", p.pos);
        }
        return v;
    }

    private JsonValue value(int depth) throws JsonException {
        if (depth > maxDepth) {
            throw new JsonException("JSON nested deeper than " + maxDepth, pos);
        }
        if (pos >= text.length()) {
            throw new JsonException("unexpected end of JSON", pos);
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> new JsonValue.JsonString(string());
            case 't' -> literal("true", new JsonValue.JsonBoolean(true));
            case 'f' -> literal("false", new JsonValue.JsonBoolean(false));
            case 'n' -> literal("null", new JsonValue.JsonNull());
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw new JsonException("unexpected character '" + c + "'", pos);
            }
        };
    }

    private JsonValue object(int depth) throws JsonException {
        pos++;
        Map<String, JsonValue> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return new JsonValue.JsonObject(members);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw new JsonException("expected a member name", pos);
            }
            int at = pos;
            String name = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            JsonValue v = value(depth + 1);
            if (members.put(name, v) != null) {
                throw new JsonException("duplicate member \"" + name + "\"", at);
            }
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return new JsonValue.JsonObject(members);
            }
            if (c != ',') {
                throw new JsonException("expected ',' or '}'", pos - 1);
            }
        }
    }

    private JsonValue array(int depth) throws JsonException {
        pos++;
        List<JsonValue> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return new JsonValue.JsonArray(elements);
        }
        while (true) {
            skipWhitespace();
            elements.add(value(depth + 1));
            skipWhitespace();
            char c = next();
            if (c == ']') {
                return new JsonValue.JsonArray(elements);
            }
            if (c != ',') {
                throw new JsonException("expected ',' or ']'", pos - 1);
            }
        }
    }

    private String string() throws JsonException {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new JsonException("control character in string", pos - 1);
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw new JsonException("truncated \\u escape", pos);
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(pos++), 16);
                        if (d < 0) {
                            throw new JsonException("bad \\u escape", pos - 1);
                        }
                        cp = cp * 16 + d;
                    }
                    sb.append((char) cp);
                }
                default -> throw new JsonException("bad escape \\" + e, pos - 1);
            }
        }
    }

    private JsonValue number() throws JsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw new JsonException("bad number", pos);
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw new JsonException("bad fraction", pos);
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw new JsonException("bad exponent", pos);
            }
            int expStart = pos;
            while (isDigit(peek())) {
                pos++;
            }
            if (pos - expStart > 4) {
                throw new JsonException("exponent too large", expStart);
            }
        }
        if (pos - start > 64) {
            throw new JsonException("number longer than 64 characters", start);
        }
        return new JsonValue.JsonNumber(new BigDecimal(text.substring(start, pos)));
    }

    private JsonValue literal(String word, JsonValue v) throws JsonException {
        if (!text.startsWith(word, pos)) {
            throw new JsonException("expected " + word, pos);
        }
        pos += word.length();
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() throws JsonException {
        if (pos >= text.length()) {
            throw new JsonException("unexpected end of JSON", pos);
        }
        return text.charAt(pos++);
    }

    private void expect(char c) throws JsonException {
        if (next() != c) {
            throw new JsonException("expected '" + c + "'", pos - 1);
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    static void write(JsonValue v, StringBuilder sb) {
        switch (v) {
            case JsonValue.JsonObject o -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonValue> e : o.members().entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    writeString(e.getKey(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case JsonValue.JsonArray a -> {
                sb.append('[');
                for (int i = 0; i < a.elements().size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(a.elements().get(i), sb);
                }
                sb.append(']');
            }
            case JsonValue.JsonString s -> writeString(s.value(), sb);
            case JsonValue.JsonNumber n -> sb.append(n.value().toPlainString());
            case JsonValue.JsonBoolean b -> sb.append(b.value());
            case JsonValue.JsonNull n -> sb.append("null");
        }
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
