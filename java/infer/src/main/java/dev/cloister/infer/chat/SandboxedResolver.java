package dev.cloister.infer.chat;

import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.AbstractCallableMethod;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * How a chat template reads attributes and calls methods, in the spirit of Hugging Face's
 * {@code ImmutableSandboxedEnvironment}: mappings and lists are read (never changed), strings offer the Python
 * {@code str} methods of {@link PythonStrings}, mappings {@code items()}, {@code keys()}, {@code values()} and
 * {@code get()}, and Jinja's own objects ({@code loop}, filters, tests, macros) work as Jinjava defines them.
 * Everything else is refused: a template never reaches a Java method or getter of a value it was given.
 */
final class SandboxedResolver extends CompositeELResolver {

    SandboxedResolver() {
        add(new PythonValues());
        add(new JinjavaListELResolver(true));
        add(new TypeConvertingMapELResolver(true));
        add(new JinjavaBeanELResolver(true));
    }

    /** Claims every read and call on a value that is not a list, a mapping or one of Jinjava's own objects. */
    private static final class PythonValues extends ELResolver {

        private static final Pattern INDEX = Pattern.compile("-?[0-9]{1,18}");

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (base == null || base instanceof List<?> || base instanceof Map<?, ?> || jinjaObject(base)) {
                return null; // the next resolver answers
            }
            context.setPropertyResolved(true);
            // Jinjava passes subscripts as text: text[-1] arrives as "-1".
            if (base instanceof CharSequence text
                    && property != null
                    && INDEX.matcher(property.toString()).matches()) {
                try {
                    return characterAt(text.toString(), Long.parseLong(property.toString()));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null; // an attribute a string or number does not have: undefined
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (base == null || jinjaObject(base)) return null;
            context.setPropertyResolved(true);
            RenderState state = RenderState.current();
            String name = String.valueOf(method);
            Object[] args = params == null ? new Object[0] : params;
            try {
                return switch (base) {
                    case CharSequence text ->
                        PythonStrings.invoke(
                                text.toString(),
                                name,
                                args,
                                state.limits.maxOutputChars(),
                                state.limits.maxCollectionSize());
                    case Map<?, ?> map -> mappingMethod(map, name, args);
                    default ->
                        throw new TemplateRefusal("the template calls a method Cloister does not offer: " + name);
                };
            } catch (TemplateRefusal refused) {
                throw state.refuse(refused);
            }
        }

        /** Jinja's own objects, which keep Jinjava's behaviour. */
        private static boolean jinjaObject(Object base) {
            return base instanceof Filter
                    || base instanceof ExpTest
                    || base instanceof AbstractCallableMethod
                    || base instanceof ForLoop;
        }

        private static String characterAt(String text, long index) {
            int count = text.codePointCount(0, text.length());
            long at = index < 0 ? index + count : index;
            if (at < 0 || at >= count) return null;
            int offset = text.offsetByCodePoints(0, (int) at);
            return new String(Character.toChars(text.codePointAt(offset)));
        }

        private static Object mappingMethod(Map<?, ?> map, String name, Object[] args) {
            return switch (name) {
                case "items" -> {
                    noArguments(name, args);
                    List<List<Object>> items = new ArrayList<>(map.size());
                    for (Map.Entry<?, ?> entry : map.entrySet()) {
                        items.add(Arrays.asList(entry.getKey(), entry.getValue()));
                    }
                    yield items;
                }
                case "keys" -> {
                    noArguments(name, args);
                    yield new ArrayList<Object>(map.keySet());
                }
                case "values" -> {
                    noArguments(name, args);
                    yield new ArrayList<Object>(map.values());
                }
                case "get" -> {
                    if (args.length < 1 || args.length > 2) throw new TemplateRefusal("get() takes 1 or 2 arguments");
                    Object value = map.get(args[0]);
                    yield value != null || map.containsKey(args[0]) ? value : (args.length == 2 ? args[1] : null);
                }
                default ->
                    throw new TemplateRefusal("the template calls a mapping method Cloister does not offer: " + name);
            };
        }

        private static void noArguments(String name, Object[] args) {
            if (args.length != 0) throw new TemplateRefusal(name + "() takes no arguments");
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            // read-only: the next resolvers refuse writes too
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }
}
