package dev.cloister.infer.chat;

import java.time.Clock;

/**
 * What one render has spent and whether it was refused. Jinjava calls the template's functions, filters and methods
 * as static code on the rendering thread, so the render in progress is a thread-local, set and cleared by
 * {@link JinjaChatTemplate#render}. The first refusal sticks: Jinjava records errors and renders on, so every later
 * node throws it again and the render winds down at once.
 */
final class RenderState {

    private static final ThreadLocal<RenderState> CURRENT = new ThreadLocal<>();

    final TemplateLimits limits;
    final Clock clock;
    private final String templateText;
    private final long deadlineNanos;
    private long nodes;
    private TemplateRefusal refusal;

    private RenderState(TemplateLimits limits, Clock clock, String templateText) {
        this.limits = limits;
        this.clock = clock;
        this.templateText = templateText;
        this.deadlineNanos = System.nanoTime() + limits.maxRenderTime().toNanos();
    }

    static RenderState begin(TemplateLimits limits, Clock clock, String templateText) {
        if (CURRENT.get() != null) throw new IllegalStateException("a chat template render is already in progress");
        RenderState state = new RenderState(limits, clock, templateText);
        CURRENT.set(state);
        return state;
    }

    void end() {
        CURRENT.remove();
    }

    /** The render in progress on this thread. */
    static RenderState current() {
        RenderState state = CURRENT.get();
        if (state == null) throw new IllegalStateException("no chat template render in progress");
        return state;
    }

    /** Called before every node: refuses once a bound is passed, and again after any refusal. */
    void onNode() {
        if (refusal != null) throw refusal;
        if (++nodes > limits.maxNodes()) {
            throw refuse("the template evaluated more than " + limits.maxNodes() + " nodes");
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            throw refuse(
                    "the template took longer than " + limits.maxRenderTime().toMillis() + " ms");
        }
    }

    /** Records a refusal (the first one wins) and returns it for the caller to throw. */
    TemplateRefusal refuse(String reason) {
        return refuse(new TemplateRefusal(reason));
    }

    TemplateRefusal refuse(TemplateRefusal refused) {
        if (refusal == null) refusal = refused;
        return refusal;
    }

    /** {@code raise_exception(message)}: the message is shown only where it is literal template text. */
    TemplateRefusal raised(Object message) {
        String text = message == null ? "" : message.toString();
        if (!text.isEmpty() && templateText.contains(text)) {
            return refuse("the template raised an exception: " + text);
        }
        return refuse("the template raised an exception (its message is not literal template text, so not shown)");
    }

    TemplateRefusal refusal() {
        return refusal;
    }
}
