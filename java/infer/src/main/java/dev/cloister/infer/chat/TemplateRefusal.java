package dev.cloister.infer.chat;

/**
 * Thrown inside a render when the template asks for something refused (an unknown method, a bound passed, its own
 * {@code raise_exception}); {@link JinjaChatTemplate} turns it into a {@link ChatTemplateException}. Its message is
 * written by Cloister or is literal template text, never a value computed from the conversation.
 */
final class TemplateRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRefusal(String reason) {
        super(reason, null, false, false);
    }
}
