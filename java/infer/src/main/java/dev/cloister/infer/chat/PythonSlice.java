package dev.cloister.infer.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/**
 * {@code sequence[start:stop:step]} with Python's meaning ({@code slice.indices}): parts left out or {@code none} take
 * their defaults, negative indices count from the end, out-of-range bounds are clamped, a negative step walks
 * backwards ({@code messages[::-1]}), a zero step is refused. Lists give lists, strings give strings (indexed by code
 * point, as Python's {@code str}).
 */
final class PythonSlice extends AstRightValue {

    private final AstNode base;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;

    PythonSlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object sequence = base.eval(bindings, context);
        Long first = index(start, bindings, context);
        Long last = index(stop, bindings, context);
        Long stride = index(step, bindings, context);
        return switch (sequence) {
            case null -> null;
            case CharSequence text -> {
                int[] codePoints = text.toString().codePoints().toArray();
                StringBuilder out = new StringBuilder();
                for (int i : positions(codePoints.length, first, last, stride)) out.appendCodePoint(codePoints[i]);
                yield out.toString();
            }
            case List<?> list -> pick(list, first, last, stride);
            case Object[] array -> pick(Arrays.asList(array), first, last, stride);
            case Iterable<?> iterable -> {
                List<Object> copy = new ArrayList<>();
                int limit = RenderState.current().limits.maxCollectionSize();
                for (Object each : iterable) {
                    if (copy.size() >= limit)
                        throw RenderState.current().refuse("a slice of more than " + limit + " items");
                    copy.add(each);
                }
                yield pick(copy, first, last, stride);
            }
            default -> throw RenderState.current().refuse("only lists and strings can be sliced");
        };
    }

    private static List<Object> pick(List<?> list, Long first, Long last, Long stride) {
        int[] positions = positions(list.size(), first, last, stride);
        List<Object> out = new ArrayList<>(positions.length);
        for (int i : positions) out.add(list.get(i));
        return out;
    }

    /** The indices {@code slice(first, last, stride).indices(length)} visits. */
    static int[] positions(int length, Long first, Long last, Long stride) {
        long step = stride == null ? 1 : stride;
        if (step == 0) throw RenderState.current().refuse("slice step cannot be zero");
        long lower = step > 0 ? 0 : -1;
        long upper = step > 0 ? length : length - 1;
        long from = first == null ? (step > 0 ? lower : upper) : clamp(first, length, lower, upper);
        long to = last == null ? (step > 0 ? upper : lower) : clamp(last, length, lower, upper);
        long count = step > 0
                ? (to > from ? (to - from + step - 1) / step : 0)
                : (from > to ? (from - to - step - 1) / -step : 0);
        int[] positions = new int[(int) count];
        for (int i = 0; i < count; i++) positions[i] = (int) (from + i * step);
        return positions;
    }

    private static long clamp(long index, int length, long lower, long upper) {
        return index < 0 ? Math.max(index + length, lower) : Math.min(index, upper);
    }

    private static Long index(AstNode node, Bindings bindings, ELContext context) {
        if (node == null) return null;
        Object value = node.eval(bindings, context);
        return switch (value) {
            case null -> null;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            default -> throw RenderState.current().refuse("slice indices must be integers or none");
        };
    }

    @Override
    public void appendStructure(StringBuilder builder, Bindings bindings) {
        base.appendStructure(builder, bindings);
        builder.append('[');
        if (start != null) start.appendStructure(builder, bindings);
        builder.append(':');
        if (stop != null) stop.appendStructure(builder, bindings);
        if (step != null) {
            builder.append(':');
            step.appendStructure(builder, bindings);
        }
        builder.append(']');
    }

    @Override
    public int getCardinality() {
        return 4;
    }

    @Override
    public AstNode getChild(int i) {
        return switch (i) {
            case 0 -> base;
            case 1 -> start;
            case 2 -> stop;
            case 3 -> step;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return "[:]";
    }
}
