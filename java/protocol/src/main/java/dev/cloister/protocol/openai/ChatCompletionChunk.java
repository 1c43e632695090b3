package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * One event of a streamed chat completion: the OpenAI API's {@code chat.completion.chunk} with one choice (a piece of
 * the assistant's text, the role on the first, the finish reason on the last) or, with
 * {@code stream_options.include_usage}, a last chunk with no choice and the {@code usage}.
 */
public record ChatCompletionChunk(String id, long created, String model, Optional<Delta> delta, Optional<Usage> usage) {

    /**
     * @param opensTurn the first chunk names the role ({@code "role":"assistant"})
     * @param content a piece of the text (whole characters; empty on the first and the last)
     */
    public record Delta(boolean opensTurn, String content, Optional<ChatCompletion.Finish> finish) {
        public Delta {
            Objects.requireNonNull(content);
            Objects.requireNonNull(finish);
        }

        @Override
        public String toString() {
            return "Delta[" + content.length() + " chars"
                    + finish.map(f -> ", " + f.wireName()).orElse("") + "]";
        }
    }

    public ChatCompletionChunk {
        Objects.requireNonNull(id);
        Objects.requireNonNull(model);
        Objects.requireNonNull(delta);
        Objects.requireNonNull(usage);
    }

    public JsonObject toJson() {
        JsonArray choices = new JsonArray();
        delta.ifPresent(d -> {
            JsonObject content = new JsonObject();
            if (d.opensTurn()) content.put("role", "assistant");
            if (!d.content().isEmpty() || d.opensTurn()) content.put("content", d.content());
            choices.add(new JsonObject()
                    .put("index", 0)
                    .put("delta", content)
                    .put("logprobs", null)
                    .put(
                            "finish_reason",
                            d.finish().map(ChatCompletion.Finish::wireName).orElse(null)));
        });
        JsonObject json = new JsonObject()
                .put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model)
                .put("system_fingerprint", null)
                .put("choices", choices);
        usage.ifPresent(u -> json.put("usage", u.toJson()));
        return json;
    }

    public String encode() {
        return toJson().encode();
    }

    /** Reads one chunk (one choice or none). */
    public static ChatCompletionChunk decode(String data) throws ChatCompletion.Malformed {
        JsonObject json = ChatCompletion.object(data.getBytes(StandardCharsets.UTF_8));
        if (!"chat.completion.chunk".equals(json.getValue("object"))) {
            throw new ChatCompletion.Malformed("the event is not a chat.completion.chunk");
        }
        if (!(json.getValue("choices") instanceof JsonArray choices) || choices.size() > 1) {
            throw new ChatCompletion.Malformed("the chunk does not hold at most one choice");
        }
        Optional<Delta> delta = Optional.empty();
        if (choices.size() == 1) {
            if (!(choices.getValue(0) instanceof JsonObject choice)
                    || !(choice.getValue("delta") instanceof JsonObject d)) {
                throw new ChatCompletion.Malformed("the chunk's choice has no delta");
            }
            Object content = d.getValue("content");
            if (content != null && !(content instanceof String)) {
                throw new ChatCompletion.Malformed("the chunk's content is not text");
            }
            delta = Optional.of(new Delta(
                    "assistant".equals(d.getValue("role")),
                    content == null ? "" : (String) content,
                    ChatCompletion.optionalFinish(choice.getValue("finish_reason"))));
        }
        Object usage = json.getValue("usage");
        return new ChatCompletionChunk(
                ChatCompletion.string(json, "id"),
                ChatCompletion.number(json, "created"),
                ChatCompletion.string(json, "model"),
                delta,
                usage == null ? Optional.empty() : Optional.of(Usage.of(usage)));
    }

    @Override
    public String toString() {
        return "ChatCompletionChunk[" + id + ", " + delta + ", " + usage + "]";
    }
}
