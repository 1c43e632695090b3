package dev.cloister.infer.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code str} methods Hugging Face chat templates call on strings ({@code content.strip()},
 * {@code content.split('</think>')[-1].lstrip('\n')}, ...), with Python 3's semantics: templates were written
 * against Python Jinja, which is what the models were trained with. Arguments arrive as Jinja values (strings, longs,
 * lists); a wrong argument is a {@link TemplateRefusal}.
 */
final class PythonStrings {

    private PythonStrings() {}

    /**
     * Calls {@code value.method(args)}; an unknown method is refused with its name, and so is a result longer than
     * {@code maxChars} or a split into more than {@code maxParts} parts.
     */
    static Object invoke(String value, String method, Object[] args, long maxChars, int maxParts) {
        Object result = switch (method) {
            case "strip" -> strip(value, chars(method, args), true, true);
            case "lstrip" -> strip(value, chars(method, args), true, false);
            case "rstrip" -> strip(value, chars(method, args), false, true);
            case "split" -> split(value, args, maxParts);
            case "startswith" -> affix(value, method, args, true);
            case "endswith" -> affix(value, method, args, false);
            case "upper" -> noArgs(value, method, args).toUpperCase(Locale.ROOT);
            case "lower" -> noArgs(value, method, args).toLowerCase(Locale.ROOT);
            case "title" -> title(noArgs(value, method, args));
            case "capitalize" -> capitalize(noArgs(value, method, args));
            case "replace" -> replace(value, args, maxChars);
            case "join" -> join(value, args, maxChars);
            default ->
                throw new TemplateRefusal("the template calls a string method Cloister does not offer: " + method);
        };
        if (result instanceof String text && text.length() > maxChars) {
            throw new TemplateRefusal("a string method's result exceeds " + maxChars + " characters");
        }
        return result;
    }

    /**
     * Python's {@code str.isspace()} for one code point: the characters with bidirectional type WS, B or S, or in
     * category Zs. (JavaScript's {@code trim()}, which {@code @huggingface/jinja} uses, differs on U+001C..U+001F,
     * U+0085 and U+FEFF.)
     */
    static boolean isWhitespace(int c) {
        return switch (c) {
            case 0x09,
                    0x0A,
                    0x0B,
                    0x0C,
                    0x0D,
                    0x1C,
                    0x1D,
                    0x1E,
                    0x1F,
                    0x20,
                    0x85,
                    0xA0,
                    0x1680,
                    0x2028,
                    0x2029,
                    0x202F,
                    0x205F,
                    0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }

    /** {@code str.strip(chars)}: {@code chars == null} strips whitespace, else any of those characters. */
    static String strip(String value, String chars, boolean left, boolean right) {
        int start = 0;
        int end = value.length();
        if (left) {
            while (start < end) {
                int c = value.codePointAt(start);
                if (!stripped(c, chars)) break;
                start += Character.charCount(c);
            }
        }
        if (right) {
            while (end > start) {
                int c = value.codePointBefore(end);
                if (!stripped(c, chars)) break;
                end -= Character.charCount(c);
            }
        }
        return value.substring(start, end);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    private static String chars(String method, Object[] args) {
        if (args.length == 0 || args[0] == null) {
            if (args.length > 1) throw new TemplateRefusal(method + "() takes at most 1 argument");
            return null;
        }
        if (args.length > 1) throw new TemplateRefusal(method + "() takes at most 1 argument");
        if (args[0] instanceof CharSequence chars) return chars.toString();
        throw new TemplateRefusal(method + "() argument must be a string or None");
    }

    private static String noArgs(String value, String method, Object[] args) {
        if (args.length != 0) throw new TemplateRefusal(method + "() takes no arguments");
        return value;
    }

    /** {@code str.split(sep=None, maxsplit=-1)}. */
    static List<String> split(String value, Object[] args, int maxParts) {
        if (args.length > 2) throw new TemplateRefusal("split() takes at most 2 arguments");
        Object sepArg = args.length > 0 ? args[0] : null;
        long maxsplit = -1;
        if (args.length > 1) {
            if (!(args[1] instanceof Number n) || args[1] instanceof Double || args[1] instanceof Float) {
                throw new TemplateRefusal("split() maxsplit must be an integer");
            }
            maxsplit = n.longValue();
        }
        List<String> parts = new ArrayList<>();
        if (sepArg == null) {
            int i = 0;
            int n = value.length();
            while (true) {
                while (i < n && isWhitespace(value.codePointAt(i))) i += Character.charCount(value.codePointAt(i));
                if (i >= n) break;
                if (maxsplit >= 0 && parts.size() >= maxsplit) {
                    parts.add(strip(value.substring(i), null, false, true));
                    break;
                }
                int start = i;
                while (i < n && !isWhitespace(value.codePointAt(i))) i += Character.charCount(value.codePointAt(i));
                parts.add(value.substring(start, i));
                if (parts.size() > maxParts) throw tooManyParts(maxParts);
            }
            return parts;
        }
        if (!(sepArg instanceof CharSequence sepText)) throw new TemplateRefusal("split() separator must be a string");
        String sep = sepText.toString();
        if (sep.isEmpty()) throw new TemplateRefusal("split(): empty separator");
        int from = 0;
        while (maxsplit < 0 || parts.size() < maxsplit) {
            int at = value.indexOf(sep, from);
            if (at < 0) break;
            parts.add(value.substring(from, at));
            if (parts.size() >= maxParts) throw tooManyParts(maxParts);
            from = at + sep.length();
        }
        parts.add(value.substring(from));
        return parts;
    }

    private static TemplateRefusal tooManyParts(int maxParts) {
        return new TemplateRefusal("split() would make more than " + maxParts + " parts");
    }

    private static boolean affix(String value, String method, Object[] args, boolean prefix) {
        if (args.length != 1) throw new TemplateRefusal(method + "() takes exactly 1 argument");
        if (args[0] instanceof CharSequence affix) {
            return prefix ? value.startsWith(affix.toString()) : value.endsWith(affix.toString());
        }
        if (args[0] instanceof List<?> affixes) {
            for (Object each : affixes) {
                if (!(each instanceof CharSequence affix)) {
                    throw new TemplateRefusal(method + "() tuple elements must be strings");
                }
                if (prefix ? value.startsWith(affix.toString()) : value.endsWith(affix.toString())) return true;
            }
            return false;
        }
        throw new TemplateRefusal(method + "() argument must be a string or a tuple of strings");
    }

    /** {@code str.title()}: a cased character after an uncased one is title-cased, after a cased one lower-cased. */
    static String title(String value) {
        StringBuilder out = new StringBuilder(value.length());
        boolean previousCased = false;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            i += Character.charCount(c);
            String mapped = previousCased
                    ? new String(Character.toChars(c)).toLowerCase(Locale.ROOT)
                    : new String(Character.toChars(Character.toTitleCase(c)));
            out.append(mapped);
            previousCased = isCased(c);
        }
        return out.toString();
    }

    /** {@code str.capitalize()}: the first character title-cased, the rest lower-cased. */
    static String capitalize(String value) {
        if (value.isEmpty()) return value;
        int first = value.codePointAt(0);
        return new String(Character.toChars(Character.toTitleCase(first)))
                + value.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int c) {
        int type = Character.getType(c);
        return type == Character.UPPERCASE_LETTER
                || type == Character.LOWERCASE_LETTER
                || type == Character.TITLECASE_LETTER;
    }

    /** {@code str.join(iterable)}: every item must be a string. */
    private static String join(String separator, Object[] args, long maxChars) {
        if (args.length != 1 || !(args[0] instanceof Iterable<?> items)) {
            throw new TemplateRefusal("join() takes one list of strings");
        }
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : items) {
            if (!(item instanceof CharSequence text)) throw new TemplateRefusal("join() items must be strings");
            if (!first) out.append(separator);
            out.append(text);
            first = false;
            if (out.length() > maxChars) break;
        }
        return out.toString();
    }

    /** {@code str.replace(old, new, count=-1)}. */
    private static String replace(String value, Object[] args, long maxChars) {
        if (args.length < 2 || args.length > 3) throw new TemplateRefusal("replace() takes 2 or 3 arguments");
        if (!(args[0] instanceof CharSequence oldText) || !(args[1] instanceof CharSequence newText)) {
            throw new TemplateRefusal("replace() arguments must be strings");
        }
        long count = -1;
        if (args.length == 3) {
            if (!(args[2] instanceof Long n)) throw new TemplateRefusal("replace() count must be an integer");
            count = n;
        }
        String old = oldText.toString();
        String replacement = newText.toString();
        StringBuilder out = new StringBuilder();
        int from = 0;
        long done = 0;
        if (old.isEmpty()) {
            // Python inserts the replacement before every character and at the end.
            for (int i = 0; i <= value.length() && (count < 0 || done < count); ) {
                out.append(replacement);
                done++;
                if (out.length() > maxChars) break;
                if (i == value.length()) {
                    from = i;
                    break;
                }
                int c = value.codePointAt(i);
                out.appendCodePoint(c);
                i += Character.charCount(c);
                from = i;
            }
            return out.append(value, from, value.length()).toString();
        }
        while (count < 0 || done < count) {
            int at = value.indexOf(old, from);
            if (at < 0) break;
            out.append(value, from, at).append(replacement);
            from = at + old.length();
            done++;
            if (out.length() > maxChars) break;
        }
        return out.append(value, from, value.length()).toString();
    }
}
