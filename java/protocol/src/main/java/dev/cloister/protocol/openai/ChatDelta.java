package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One event of a streamed chat completion in its compact form, between the enclave and the SDK only
 * ({@link OpenAiPaths#CHAT_DELTAS}): what a {@code chat.completion.chunk} repeats in every event (its {@code id},
 * {@code object}, {@code created}, {@code model}, the choice's index, {@code logprobs}) is said once, in the first
 * event, so a token costs some 25 bytes instead of 180. A streamed answer is a sequence of frames of one size at one
 * cadence (issue 15, item 1), so fewer bytes mean fewer frames, and the answer ends sooner; the SDK gives its caller the
 * same {@link ChatCompletionChunk}s as from the full form ({@link #chunks(Opened)}). Carried as server-sent events,
 * ending with {@code [DONE]}; an answer cut short ends with an error event, as in the full form.
 */
public sealed interface ChatDelta {

    /** The first event: the completion's identity; it stands for the chunk that names the role. */
    record Opened(String id, long created, String model) implements ChatDelta {
        public Opened {
            Objects.requireNonNull(id);
            Objects.requireNonNull(model);
        }

        @Override
        public JsonObject toJson() {
            return new JsonObject().put("id", id).put("created", created).put("model", model);
        }
    }

    /** A piece of the assistant's text (whole characters). */
    record Text(String content) implements ChatDelta {
        public Text {
            Objects.requireNonNull(content);
        }

        @Override
        public JsonObject toJson() {
            return new JsonObject().put("content", content);
        }

        @Override
        public String toString() {
            return "Text[" + content.length() + " chars]";
        }
    }

    /** The last event before {@code [DONE]}: why the answer ended, and the usage when the request asked for it. */
    record Finished(ChatCompletion.Finish finish, Optional<Usage> usage) implements ChatDelta {
        public Finished {
            Objects.requireNonNull(finish);
            Objects.requireNonNull(usage);
        }

        @Override
        public JsonObject toJson() {
            JsonObject json = new JsonObject().put("finish_reason", finish.wireName());
            usage.ifPresent(u -> json.put("usage", u.toJson()));
            return json;
        }
    }

    JsonObject toJson();

    default String encode() {
        return toJson().encode();
    }

    /**
     * The chunks of the full form this event stands for, with the identity of the answer's {@link Opened} event: the
     * role chunk, a text chunk, or the finish chunk followed by the usage chunk when there is one.
     */
    default List<ChatCompletionChunk> chunks(Opened identity) {
        return switch (this) {
            case Opened o -> List.of(chunk(identity, new ChatCompletionChunk.Delta(true, "", Optional.empty())));
            case Text t ->
                List.of(chunk(identity, new ChatCompletionChunk.Delta(false, t.content(), Optional.empty())));
            case Finished f -> {
                ChatCompletionChunk last =
                        chunk(identity, new ChatCompletionChunk.Delta(false, "", Optional.of(f.finish())));
                yield f.usage()
                        .map(u -> List.of(
                                last,
                                new ChatCompletionChunk(
                                        identity.id(),
                                        identity.created(),
                                        identity.model(),
                                        Optional.empty(),
                                        Optional.of(u))))
                        .orElse(List.of(last));
            }
        };
    }

    private static ChatCompletionChunk chunk(Opened identity, ChatCompletionChunk.Delta delta) {
        return new ChatCompletionChunk(
                identity.id(), identity.created(), identity.model(), Optional.of(delta), Optional.empty());
    }

    /**
     * Reads one event: an object with exactly the members of one of the three forms. Error events and {@code [DONE]}
     * are the caller's to recognise first, as in the full form.
     */
    static ChatDelta decode(String data) throws ChatCompletion.Malformed {
        JsonObject json = ChatCompletion.object(data.getBytes(StandardCharsets.UTF_8));
        if (json.size() == 3 && json.containsKey("id") && json.containsKey("created") && json.containsKey("model")) {
            return new Opened(
                    ChatCompletion.string(json, "id"),
                    ChatCompletion.number(json, "created"),
                    ChatCompletion.string(json, "model"));
        }
        if (json.size() == 1 && json.containsKey("content")) {
            if (!(json.getValue("content") instanceof String content)) {
                throw new ChatCompletion.Malformed("the delta's content is not text");
            }
            return new Text(content);
        }
        if (json.containsKey("finish_reason")
                && (json.size() == 1 || (json.size() == 2 && json.containsKey("usage")))) {
            Object usage = json.getValue("usage");
            return new Finished(
                    ChatCompletion.Finish.of(json.getValue("finish_reason")),
                    usage == null ? Optional.empty() : Optional.of(Usage.of(usage)));
        }
        throw new ChatCompletion.Malformed("the event is not a chat delta");
    }
}
