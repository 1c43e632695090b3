package dev.cloister.client.session;

import dev.cloister.protocol.openai.OpenAiPaths;

/** The form in which the enclave streams a chat completion to the SDK; the caller gets the same chunks either way. */
public enum ChatStreamForm {
    /** {@link dev.cloister.protocol.openai.ChatDelta} events: fewer bytes, so fewer padded frames (the default). */
    COMPACT(OpenAiPaths.CHAT_DELTAS),
    /** OpenAI's own {@code chat.completion.chunk} events ({@code text/event-stream}), as the enclave sends any client. */
    EVENT_STREAM(OpenAiPaths.EVENT_STREAM);

    private final String accept;

    ChatStreamForm(String accept) {
        this.accept = accept;
    }

    /** The media type the request accepts. */
    public String accept() {
        return accept;
    }
}
