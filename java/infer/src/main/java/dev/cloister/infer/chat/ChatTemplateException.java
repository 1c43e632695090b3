package dev.cloister.infer.chat;

/** A chat template refused a conversation or could not be rendered; the message never quotes the conversation. */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
