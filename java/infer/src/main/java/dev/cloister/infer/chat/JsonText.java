package dev.cloister.infer.chat;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * Jinja's {@code tojson} as Hugging Face templates get it: Python's {@code json.dumps(value, ensure_ascii=False,
 * indent=indent)}, so {@code ", "} and {@code ": "} between items and keys (the item separator is {@code ","} when
 * indenting), non-ASCII text as is, mappings in insertion order.
 */
final class JsonText {

    private final Integer indent;
    private final int maxNesting;
    private final long maxChars;
    private final StringBuilder out = new StringBuilder();

    private JsonText(Integer indent, int maxNesting, long maxChars) {
        this.indent = indent;
        this.maxNesting = maxNesting;
        this.maxChars = maxChars;
    }

    /**
     * @param indent {@code null} for one line, else the spaces per level
     * @throws TemplateRefusal for a value JSON cannot hold, nesting deeper than {@code maxNesting} (a list that
     *     contains itself) or text longer than {@code maxChars}
     */
    static String dumps(Object value, Integer indent, int maxNesting, long maxChars) {
        JsonText json = new JsonText(indent, maxNesting, maxChars);
        json.value(value, 0);
        json.bounded();
        return json.out.toString();
    }

    /**
     * Refuses text past maxChars. Checked before each value and after each string, not only at the end: tojson applied
     * to its own output doubles it (every quote and backslash escaped), so a chain of them in one expression would
     * otherwise grow geometrically before anything else looks.
     */
    private void bounded() {
        if (out.length() > maxChars) throw new TemplateRefusal("tojson output exceeds " + maxChars + " characters");
    }

    private void value(Object value, int depth) {
        bounded();
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(pythonFloat(d));
            case Float f -> out.append(pythonFloat(f.doubleValue()));
            case Number n -> out.append(n instanceof BigDecimal big ? pythonFloat(big.doubleValue()) : n.toString());
            case CharSequence text -> string(text.toString());
            case Map<?, ?> map -> mapping(map, depth);
            case Collection<?> list -> sequence(list, depth);
            case Object[] array -> sequence(java.util.Arrays.asList(array), depth);
            default -> throw new TemplateRefusal("tojson: a value of this kind is not JSON serializable");
        }
    }

    private void mapping(Map<?, ?> map, int depth) {
        enter(depth);
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            separator(first, depth + 1);
            first = false;
            Object key = entry.getKey();
            switch (key) {
                case CharSequence text -> string(text.toString());
                case Boolean b -> string(b ? "true" : "false");
                case null -> string("null");
                case Double d -> string(pythonFloat(d));
                case Number n -> string(n.toString());
                default -> throw new TemplateRefusal("tojson: keys must be str, int, float, bool or None");
            }
            out.append(": ");
            value(entry.getValue(), depth + 1);
        }
        close(depth, '}');
    }

    private void sequence(Collection<?> list, int depth) {
        enter(depth);
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        for (Object item : list) {
            separator(first, depth + 1);
            first = false;
            value(item, depth + 1);
        }
        close(depth, ']');
    }

    private void enter(int depth) {
        if (depth >= maxNesting) throw new TemplateRefusal("tojson: nesting deeper than " + maxNesting);
    }

    private void separator(boolean first, int depth) {
        if (indent == null) {
            if (!first) out.append(", ");
            return;
        }
        if (!first) out.append(',');
        newline(depth);
    }

    private void close(int depth, char bracket) {
        if (indent != null) newline(depth);
        out.append(bracket);
    }

    private void newline(int depth) {
        out.append('\n');
        long spaces = (long) indent * depth;
        if (spaces > maxChars) throw new TemplateRefusal("tojson output exceeds " + maxChars + " characters");
        out.repeat(' ', (int) spaces);
    }

    /** Python's JSON string escapes with {@code ensure_ascii=False}. */
    private void string(String text) {
        // Escaping never shortens a text: one that cannot fit is refused before it is copied.
        if (text.length() + 2L > maxChars - out.length()) {
            throw new TemplateRefusal("tojson output exceeds " + maxChars + " characters");
        }
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        bounded();
    }

    /** Python's {@code repr(float)}: the shortest digits that read back, {@code 1.0}, {@code 1e+16}, {@code 1e-05}. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        String plain = shortest.toPlainString();
        return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
    }
}
