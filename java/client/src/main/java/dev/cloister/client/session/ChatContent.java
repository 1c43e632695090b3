package dev.cloister.client.session;

import dev.cloister.protocol.openai.ChatCompletion;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ChatDelta;
import dev.cloister.protocol.openai.ModelList;
import dev.cloister.protocol.openai.OpenAiError;
import dev.cloister.protocol.openai.ServerSentEvents;
import dev.cloister.protocol.openai.Usage;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads the enclave's answers to the OpenAI-compatible requests: a streamed chat completion (server-sent events in
 * the compact form, {@link ChatDelta}, each passed on as the {@code chat.completion.chunk}s it stands for as it is
 * read, or in OpenAI's own form, {@link ChatStreamForm#EVENT_STREAM}, each chunk checked and passed on as it is; both
 * ending with {@code [DONE]}), a whole
 * {@code chat.completion}, or a model list; refusals carry the enclave's {@link OpenAiError} as their cause.
 */
final class ChatContent {

    /** The longest event read. */
    static final int MAX_EVENT_BYTES = 64 * 1024;

    private ChatContent() {}

    /** The enclave's refusal as a failure whose cause is its error object: 4xx never retried, 503 retried. */
    static SessionFailure refused(int status, byte[] body) {
        OpenAiError error = OpenAiError.decode(status, body);
        String message = error.getMessage();
        StringBuilder shown = new StringBuilder();
        message.codePoints()
                .limit(ProblemDetails.MAX_DETAIL_CHARS)
                .forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return new SessionFailure(
                status >= 500 ? SessionFailure.Kind.ENCLAVE : SessionFailure.Kind.REQUEST,
                error.retryable(),
                "the enclave refused the request (" + status + "): " + shown,
                error);
    }

    /** A chat completion, streamed or whole. */
    static final class Completion implements AnswerReader.Content {
        private final Consumer<ChatCompletionChunk> onChunk;
        private final RequestAttempt attempt;
        private final BooleanSupplier cancelled;
        private final ChatStreamForm form;
        private final ServerSentEvents.Decoder events = new ServerSentEvents.Decoder(MAX_EVENT_BYTES);
        private final StringBuilder text = new StringBuilder();
        /** The stream's first event; every other event comes after it. */
        private ChatDelta.Opened identity;

        private String id;
        private long created;
        private String model;
        private ChatCompletion.Finish finish;
        private Optional<Usage> usage = Optional.empty();
        private boolean done;

        Completion(
                Consumer<ChatCompletionChunk> onChunk,
                RequestAttempt attempt,
                BooleanSupplier cancelled,
                ChatStreamForm form) {
            this.onChunk = onChunk;
            this.attempt = attempt;
            this.cancelled = cancelled;
            this.form = form;
        }

        @Override
        public void streamed(byte[] piece) throws Exception {
            for (String data : events.offer(piece)) {
                if (done) throw new ChatCompletion.Malformed("an event follows [DONE]");
                if (data.equals(ServerSentEvents.DONE)) {
                    if (finish == null) throw new ChatCompletion.Malformed("the stream ended without a finish reason");
                    done = true;
                    continue;
                }
                if (data.startsWith("{\"error\"")) {
                    OpenAiError error = OpenAiError.decode(500, data.getBytes(StandardCharsets.UTF_8));
                    error = new OpenAiError(
                            errorStatus(data),
                            error.type(),
                            error.param().orElse(null),
                            error.code().orElse(null),
                            error.getMessage());
                    throw new SessionFailure(
                            SessionFailure.Kind.ENCLAVE,
                            false,
                            "the enclave ended the answer early: " + error.getMessage(),
                            error);
                }
                if (form == ChatStreamForm.EVENT_STREAM) {
                    chunk(ChatCompletionChunk.decode(data));
                    continue;
                }
                ChatDelta delta = ChatDelta.decode(data);
                if (delta instanceof ChatDelta.Opened opened) {
                    if (identity != null) throw new ChatCompletion.Malformed("the stream opens twice");
                    identity = opened;
                    id = opened.id();
                    created = opened.created();
                    model = opened.model();
                } else if (identity == null || finish != null) {
                    throw new ChatCompletion.Malformed("a delta outside the stream's turn");
                }
                switch (delta) {
                    case ChatDelta.Text t -> text.append(t.content());
                    case ChatDelta.Finished f -> {
                        finish = f.finish();
                        usage = f.usage();
                    }
                    case ChatDelta.Opened o -> {}
                }
                if (!cancelled.getAsBoolean() && onChunk != null) {
                    attempt.textDelivered = true;
                    for (ChatCompletionChunk chunk : delta.chunks(identity)) onChunk.accept(chunk);
                }
            }
        }
        /**
         * One {@code chat.completion.chunk} of the full form, in its place: the first opens the turn and names the
         * completion, every other one names the same; text until the finish reason, then at most a usage chunk.
         */
        private void chunk(ChatCompletionChunk chunk) throws ChatCompletion.Malformed {
            boolean opens =
                    chunk.delta().map(ChatCompletionChunk.Delta::opensTurn).orElse(false);
            if (identity == null) {
                if (!opens) throw new ChatCompletion.Malformed("the stream does not open with the assistant's turn");
                identity = new ChatDelta.Opened(chunk.id(), chunk.created(), chunk.model());
                id = chunk.id();
                created = chunk.created();
                model = chunk.model();
            } else if (opens) {
                throw new ChatCompletion.Malformed("the stream opens twice");
            } else if (!chunk.id().equals(id)
                    || chunk.created() != created
                    || !chunk.model().equals(model)) {
                throw new ChatCompletion.Malformed("a chunk names another completion");
            } else if (usage.isPresent()) {
                throw new ChatCompletion.Malformed("a chunk follows the usage");
            } else if (chunk.delta().isPresent() && finish != null) {
                throw new ChatCompletion.Malformed("a delta follows the finish reason");
            } else if (chunk.delta().isEmpty() && finish == null) {
                throw new ChatCompletion.Malformed("the usage comes before the finish reason");
            }
            chunk.delta().ifPresent(delta -> {
                text.append(delta.content());
                delta.finish().ifPresent(f -> finish = f);
            });
            if (chunk.usage().isPresent()) usage = chunk.usage();
            if (!cancelled.getAsBoolean() && onChunk != null) {
                attempt.textDelivered = true;
                onChunk.accept(chunk);
            }
        }

        /** The status an error event stands for (its code says: a timeout, an overload, else a failure). */
        private static int errorStatus(String data) {
            try {
                String code = new JsonObject(data).getJsonObject("error").getString("code");
                return "timeout".equals(code) ? 504 : "overloaded".equals(code) ? 503 : 500;
            } catch (RuntimeException e) {
                return 500;
            }
        }

        @Override
        public void whole(byte[] content) throws ChatCompletion.Malformed {
            ChatCompletion whole = ChatCompletion.decode(content);
            id = whole.id();
            created = whole.created();
            model = whole.model();
            text.append(whole.content());
            finish = whole.finish();
            usage = Optional.of(whole.usage());
            done = true;
        }

        @Override
        public boolean complete() {
            return done;
        }

        @Override
        public SessionFailure refused(int status, byte[] body) {
            return ChatContent.refused(status, body);
        }

        ChatAnswer answer() {
            return new ChatAnswer(
                    id,
                    created,
                    model,
                    text.toString(),
                    finish,
                    usage,
                    attempt.entry(dev.cloister.client.log.RequestLogEntry.Outcome.OK));
        }
    }

    /** The answer to {@code GET /v1/models}. */
    static final class Models implements AnswerReader.Content {
        private ModelList models;

        @Override
        public void streamed(byte[] piece) throws ChatCompletion.Malformed {
            throw new ChatCompletion.Malformed("a model list is not streamed");
        }

        @Override
        public void whole(byte[] content) throws ChatCompletion.Malformed {
            models = ModelList.decode(content);
        }

        @Override
        public boolean complete() {
            return models != null;
        }

        @Override
        public SessionFailure refused(int status, byte[] body) {
            return ChatContent.refused(status, body);
        }

        ModelList models() {
            return models;
        }
    }
}
