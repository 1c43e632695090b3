package dev.cloister.infer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.lang.reflect.Method;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The functions and filters Hugging Face adds to Jinja for chat templates ({@code raise_exception},
 * {@code strftime_now}, its {@code tojson}), and the Jinja filters whose Python meaning Jinjava does not share
 * ({@code trim} strips Python's whitespace or the given characters; {@code length} counts code points).
 */
final class TemplateGlobals {

    private TemplateGlobals() {}

    /** A function's name bound as a variable too, so that {@code strftime_now is defined} holds as in Python. */
    record Callable(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    static List<ELFunctionDefinition> functions() {
        return List.of(
                function("raise_exception", "raiseException", Object.class),
                function("strftime_now", "strftimeNow", Object.class),
                function("range", "range", Object[].class));
    }

    static List<Filter> filters() {
        return List.of(new ToJson(), new Trim(), new Length("length"), new Length("count"));
    }

    private static ELFunctionDefinition function(String name, String method, Class<?>... parameters) {
        try {
            Method target = TemplateGlobals.class.getDeclaredMethod(method, parameters);
            target.setAccessible(true);
            return new ELFunctionDefinition("", name, target);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    static Object raiseException(Object message) {
        RenderState state = RenderState.current();
        throw state.raised(message);
    }

    /** {@code strftime_now(format)}: the render's clock, formatted as Python's {@code strftime} would. */
    static String strftimeNow(Object format) {
        RenderState state = RenderState.current();
        if (!(format instanceof CharSequence text)) throw state.refuse("strftime_now() format must be a string");
        return strftime(ZonedDateTime.now(state.clock), text.toString());
    }

    /**
     * Python's {@code range(stop)}, {@code range(start, stop[, step])} as a list; longer than the collection bound is
     * refused (Jinjava's own {@code range} would quietly stop short).
     */
    static List<Long> range(Object... args) {
        RenderState state = RenderState.current();
        if (args.length < 1 || args.length > 3) throw state.refuse("range() takes 1 to 3 arguments");
        long[] values = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            if (!(args[i] instanceof Long || args[i] instanceof Integer)) {
                throw state.refuse("range() arguments must be integers");
            }
            values[i] = ((Number) args[i]).longValue();
        }
        long start = args.length == 1 ? 0 : values[0];
        long stop = args.length == 1 ? values[0] : values[1];
        long step = args.length == 3 ? values[2] : 1;
        if (step == 0) throw state.refuse("range() step must not be zero");
        int limit = state.limits.maxCollectionSize();
        List<Long> out = new java.util.ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= limit) throw state.refuse("range() of more than " + limit + " numbers");
            out.add(i);
        }
        return out;
    }

    /**
     * Python's {@code strftime} in the C locale for the directives templates use; any other directive is kept as
     * written.
     */
    static String strftime(ZonedDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            switch (directive) {
                case 'Y' -> out.append(time.getYear());
                case 'y' -> out.append(two(time.getYear() % 100));
                case 'm' -> out.append(two(time.getMonthValue()));
                case 'd' -> out.append(two(time.getDayOfMonth()));
                case 'e' -> out.append(time.getDayOfMonth() < 10 ? " " : "").append(time.getDayOfMonth());
                case 'b', 'h' -> out.append(time.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> out.append(time.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'a' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'H' -> out.append(two(time.getHour()));
                case 'I' -> out.append(two(time.getHour() % 12 == 0 ? 12 : time.getHour() % 12));
                case 'p' -> out.append(time.getHour() < 12 ? "AM" : "PM");
                case 'M' -> out.append(two(time.getMinute()));
                case 'S' -> out.append(two(time.getSecond()));
                case 'j' -> out.append(String.format(Locale.ROOT, "%03d", time.getDayOfYear()));
                case '%' -> out.append('%');
                default -> out.append('%').append(directive);
            }
        }
        return out.toString();
    }

    private static String two(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }

    /** A filter that reads keyword arguments; Jinjava's positional-only entry point passes none. */
    interface KeywordFilter extends Filter {
        @Override
        default Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /** Hugging Face's {@code tojson(value, ensure_ascii=False, indent=None)}. */
    static final class ToJson implements KeywordFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            RenderState state = RenderState.current();
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
            Integer spaces = null;
            if (indent != null) {
                if (!(indent instanceof Number n) || n.longValue() < 0 || n.longValue() > 64) {
                    throw state.refuse("tojson() indent must be an integer from 0 to 64");
                }
                spaces = n.intValue();
            }
            try {
                return JsonText.dumps(var, spaces, state.limits.maxNesting(), state.limits.maxOutputChars());
            } catch (TemplateRefusal refused) {
                throw state.refuse(refused);
            }
        }
    }

    /** Jinja's {@code trim(value, chars=None)}: Python's {@code str.strip}. */
    static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return PythonStrings.strip(var == null ? "" : var.toString(), chars, true, true);
        }
    }

    /** Jinja's {@code length} and {@code count}: Python's {@code len}, which counts a string's code points. */
    static final class Length implements Filter {
        private final String name;

        Length(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return switch (var) {
                case null -> 0L;
                case CharSequence text -> (long) text.toString().codePointCount(0, text.length());
                case java.util.Collection<?> collection -> (long) collection.size();
                case Map<?, ?> map -> (long) map.size();
                case Object[] array -> (long) array.length;
                default -> throw RenderState.current().refuse(name + "(): the value has no length");
            };
        }
    }

    /**
     * One of Jinjava's filters whose result can be far larger than its input (a width, a number of columns or rows, a
     * format's width or precision): the size asked for is checked against the render's limits before Jinjava builds
     * anything, and the result after. Jinjava's own would allocate whatever is asked ({@code center(2000000000)}
     * builds a 2-billion-character string) within a single node, before any other bound looks.
     */
    static final class Sized implements KeywordFilter {
        /** The filters wrapped: Jinja's {@code center}, {@code indent}, {@code format}, {@code batch}, {@code slice}. */
        static final List<String> NAMES = List.of("center", "indent", "format", "batch", "slice");

        private static final Pattern FORMAT_SIZES = Pattern.compile("%[-#+ 0,(<]*([0-9]*)(?:\\.([0-9]+))?");

        private final Filter jinjava;

        Sized(Filter jinjava) {
            this.jinjava = jinjava;
        }

        @Override
        public String getName() {
            return jinjava.getName();
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            RenderState state = RenderState.current();
            long maxChars = state.limits.maxOutputChars();
            int maxItems = state.limits.maxCollectionSize();
            String name = getName();
            switch (name) {
                case "center" -> {
                    if (size(argument(args, kwargs, "width")) > maxChars) {
                        throw state.refuse("center(): a width over " + maxChars + " characters");
                    }
                }
                case "indent" -> {
                    long width = size(argument(args, kwargs, "width"));
                    String text = var == null ? "" : var.toString();
                    long lines = text.chars().filter(c -> c == '\n').count() + 1;
                    if (width > maxChars || width * lines + text.length() > maxChars) {
                        throw state.refuse("indent(): the result would exceed " + maxChars + " characters");
                    }
                }
                case "format" -> {
                    Matcher spec = FORMAT_SIZES.matcher(var == null ? "" : var.toString());
                    while (spec.find()) {
                        if (size(spec.group(1)) > maxChars || size(spec.group(2)) > maxChars) {
                            throw state.refuse("format(): a width or precision over " + maxChars + " characters");
                        }
                    }
                }
                default -> { // batch, slice: how many items per row, how many columns
                    String count = name.equals("batch") ? "linecount" : "slices";
                    if (size(argument(args, kwargs, count)) > maxItems) {
                        throw state.refuse(name + "(): more than " + maxItems + " items");
                    }
                }
            }
            Object result = jinjava.filter(var, interpreter, args, kwargs);
            if (result instanceof CharSequence text && text.length() > maxChars) {
                throw state.refuse(name + "(): the result exceeds " + maxChars + " characters");
            }
            return result;
        }

        /** The first argument, given by position or by its keyword. */
        private static Object argument(Object[] args, Map<String, Object> kwargs, String keyword) {
            return args.length > 0 && args[0] != null ? args[0] : kwargs.get(keyword);
        }

        /** A size as the template gave it: a number, or text of digits; anything else is 0 (Jinjava's default). */
        private static long size(Object value) {
            if (value instanceof Number n) return n.longValue();
            if (value == null) return 0;
            String text = value.toString().trim();
            if (text.isEmpty()) return 0;
            try {
                return (long) Double.parseDouble(text);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
