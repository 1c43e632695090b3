package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole answer to a chat completion request: the OpenAI API's {@code chat.completion} object with one choice and its
 * {@code usage}.
 */
public record ChatCompletion(String id, long created, String model, String content, Finish finish, Usage usage) {

    /** Why generation ended, as {@code finish_reason} says it. */
    public enum Finish {
        /** The model ended its turn, or a stop sequence appeared. */
        STOP,
        /** {@code max_tokens} or the model's context length was reached. */
        LENGTH;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Finish of(Object value) throws Malformed {
            for (Finish finish : values()) {
                if (finish.wireName().equals(value)) return finish;
            }
            throw new Malformed("the finish reason is missing or unknown");
        }
    }

    public ChatCompletion {
        Objects.requireNonNull(id);
        Objects.requireNonNull(model);
        Objects.requireNonNull(content);
        Objects.requireNonNull(finish);
        Objects.requireNonNull(usage);
    }

    public JsonObject toJson() {
        return new JsonObject()
                .put("id", id)
                .put("object", "chat.completion")
                .put("created", created)
                .put("model", model)
                .put(
                        "choices",
                        new JsonArray()
                                .add(new JsonObject()
                                        .put("index", 0)
                                        .put(
                                                "message",
                                                new JsonObject()
                                                        .put("role", "assistant")
                                                        .put("content", content)
                                                        .put("refusal", null))
                                        .put("logprobs", null)
                                        .put("finish_reason", finish.wireName())))
                .put("usage", usage.toJson())
                .put("system_fingerprint", null);
    }

    public byte[] encode() {
        return toJson().encode().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a {@code chat.completion} object (one choice). */
    public static ChatCompletion decode(byte[] body) throws Malformed {
        JsonObject json = object(body);
        if (!"chat.completion".equals(json.getValue("object"))) {
            throw new Malformed("the answer is not a chat.completion");
        }
        if (!(json.getValue("choices") instanceof JsonArray choices)
                || choices.size() != 1
                || !(choices.getValue(0) instanceof JsonObject choice)
                || !(choice.getValue("message") instanceof JsonObject message)
                || !(message.getValue("content") instanceof String content)) {
            throw new Malformed("the answer does not hold one message");
        }
        return new ChatCompletion(
                string(json, "id"),
                number(json, "created"),
                string(json, "model"),
                content,
                Finish.of(choice.getValue("finish_reason")),
                Usage.of(json.getValue("usage")));
    }

    static JsonObject object(byte[] body) throws Malformed {
        try {
            return new JsonObject(new String(body, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new Malformed("the answer is not a JSON object");
        }
    }

    static String string(JsonObject json, String key) throws Malformed {
        if (!(json.getValue(key) instanceof String value)) throw new Malformed("the answer has no " + key);
        return value;
    }

    static long number(JsonObject json, String key) throws Malformed {
        if (!(json.getValue(key) instanceof Number value) || !(value instanceof Integer || value instanceof Long)) {
            throw new Malformed("the answer has no " + key);
        }
        return value.longValue();
    }

    static Optional<Finish> optionalFinish(Object value) throws Malformed {
        return value == null ? Optional.empty() : Optional.of(Finish.of(value));
    }

    /** An answer the client cannot read: the reason is a fixed text, never the answer's content. */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String reason) {
            super(reason);
        }
    }

    @Override
    public String toString() {
        return "ChatCompletion[" + id + ", " + content.length() + " chars, " + finish.wireName() + ", " + usage + "]";
    }
}
