package dev.cloister.protocol.openai;

/** The OpenAI-compatible paths the enclave serves inside the private session, and the proxy serves on loopback. */
public final class OpenAiPaths {

    /** {@code POST}: a chat completion, whole or streamed. */
    public static final String CHAT_COMPLETIONS = "/v1/chat/completions";
    /** {@code GET}: the models the enclave serves. */
    public static final String MODELS = "/v1/models";
    /** The media type of a streamed completion. */
    public static final String EVENT_STREAM = "text/event-stream";
    /**
     * The compact form of a streamed completion, between the enclave and the SDK ({@link ChatDelta}): server-sent
     * events, asked for by the inner request's {@code accept}.
     */
    public static final String CHAT_DELTAS = "application/cloister-chat-deltas";

    private OpenAiPaths() {}

    /** Whether {@code path} is one of these (the enclave answers it in the OpenAI shapes). */
    public static boolean isOpenAi(String path) {
        return path.equals(CHAT_COMPLETIONS) || path.equals(MODELS);
    }
}
