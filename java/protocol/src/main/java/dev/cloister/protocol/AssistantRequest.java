package dev.cloister.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The use cases the enclave serves, as the client builds them and the enclave parses them: the JSON bodies of
 * {@code POST /v1/summarize} and {@code POST /v1/rewrite} inside the RA-TLS session. One set of rules ({@link #check})
 * serves both sides, so a request the client sends is one the enclave accepts, and the client refuses before it spends
 * a token what the enclave would refuse. Refusals name the field and the rule, never the content.
 */
public sealed interface AssistantRequest {

    /** Summarize a list of chat messages in a style. */
    record Summarize(List<ChatMessage> messages, Style style) implements AssistantRequest {
        public Summarize {
            messages = List.copyOf(messages);
        }
    }

    /** Rewrite a draft in a tone. */
    record Rewrite(String draft, Tone tone) implements AssistantRequest {}

    record ChatMessage(String id, String sender, Instant time, String text) {}

    /** A request refused (answered with this status and reason: 400, 404, 405 or 413). */
    final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        public Invalid(int status, String reason) {
            super(reason);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** Limits per request (one request per session). */
    record Limits(int maxBodyBytes, int maxMessages, int maxFieldChars) {
        public static final Limits DEFAULT = new Limits(64 * 1024, 200, 8 * 1024);
        /** Longest message id and sender, in UTF-16 code units. */
        static final int MAX_ID_CHARS = 128;

        static final int MAX_SENDER_CHARS = 256;

        public Limits {
            if (maxBodyBytes < 1 || maxMessages < 1 || maxFieldChars < 1) {
                throw new IllegalArgumentException("request limits must be positive");
            }
        }
    }

    default UseCase useCase() {
        return switch (this) {
            case Summarize s -> UseCase.SUMMARIZE;
            case Rewrite r -> UseCase.REWRITE;
        };
    }

    /** Refuses a request the enclave would refuse under {@code limits}: empty or over-long fields, too many messages. */
    default void check(Limits limits) throws Invalid {
        switch (this) {
            case Summarize s -> {
                if (s.messages().isEmpty()) {
                    throw new Invalid(400, "messages must be a non-empty array");
                }
                if (s.messages().size() > limits.maxMessages()) {
                    throw new Invalid(413, s.messages().size() + " messages exceed " + limits.maxMessages());
                }
                for (int i = 0; i < s.messages().size(); i++) {
                    ChatMessage m = s.messages().get(i);
                    if (m == null || m.time() == null) {
                        throw new Invalid(400, "messages[" + i + "].time must be an ISO-8601 instant");
                    }
                    field(m.id(), "messages[" + i + "].id", Limits.MAX_ID_CHARS);
                    field(m.sender(), "messages[" + i + "].sender", Limits.MAX_SENDER_CHARS);
                    field(m.text(), "messages[" + i + "].text", limits.maxFieldChars());
                }
                if (s.style() == null) {
                    throw new Invalid(400, "style must be one of " + Style.names());
                }
            }
            case Rewrite r -> {
                field(r.draft(), "draft", limits.maxFieldChars());
                if (r.tone() == null) {
                    throw new Invalid(400, "tone must be one of " + Tone.names());
                }
            }
        }
    }

    /** The JSON body, UTF-8; the caller zeroes it once sent. */
    default byte[] encode() {
        JsonObject json = switch (this) {
            case Summarize s -> {
                JsonArray array = new JsonArray();
                for (ChatMessage m : s.messages()) {
                    array.add(new JsonObject()
                            .put("id", m.id())
                            .put("sender", m.sender())
                            .put("time", m.time().toString())
                            .put("text", m.text()));
                }
                yield new JsonObject()
                        .put("messages", array)
                        .put("style", s.style().wireName());
            }
            case Rewrite r ->
                new JsonObject().put("draft", r.draft()).put("tone", r.tone().wireName());
        };
        return json.encode().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses and checks the body the client posted at {@code path}. */
    static AssistantRequest parse(String path, byte[] body, Limits limits) throws Invalid {
        checkSize(body.length, limits);
        JsonObject json;
        try {
            json = new JsonObject(new String(body, StandardCharsets.UTF_8));
        } catch (DecodeException | ClassCastException e) {
            throw new Invalid(400, "the body is not a JSON object");
        }
        AssistantRequest request =
                switch (UseCase.ofPath(path).orElseThrow(() -> new Invalid(404, "unknown use case"))) {
                    case SUMMARIZE -> summarize(json, limits);
                    case REWRITE -> rewrite(json);
                };
        request.check(limits);
        return request;
    }

    /** Refuses a body larger than one request may carry. */
    static void checkSize(int bodyBytes, Limits limits) throws Invalid {
        if (bodyBytes > limits.maxBodyBytes()) {
            throw new Invalid(413, "request body of " + bodyBytes + " bytes exceeds " + limits.maxBodyBytes());
        }
    }

    private static Summarize summarize(JsonObject json, Limits limits) throws Invalid {
        Object raw = json.getValue("messages");
        if (!(raw instanceof JsonArray array) || array.isEmpty()) {
            throw new Invalid(400, "messages must be a non-empty array");
        }
        if (array.size() > limits.maxMessages()) {
            throw new Invalid(413, array.size() + " messages exceed " + limits.maxMessages());
        }
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject m)) {
                throw new Invalid(400, "messages[" + i + "] is not an object");
            }
            Instant time;
            try {
                time = Instant.parse(string(m, "time", "messages[" + i + "].time"));
            } catch (DateTimeParseException e) {
                throw new Invalid(400, "messages[" + i + "].time is not an ISO-8601 instant");
            }
            messages.add(new ChatMessage(
                    string(m, "id", "messages[" + i + "].id"),
                    string(m, "sender", "messages[" + i + "].sender"),
                    time,
                    string(m, "text", "messages[" + i + "].text")));
        }
        Style style = json.containsKey("style") ? Style.parse(string(json, "style", "style")) : Style.BRIEF;
        return new Summarize(messages, style);
    }

    private static Rewrite rewrite(JsonObject json) throws Invalid {
        String draft = string(json, "draft", "draft");
        Tone tone = json.containsKey("tone") ? Tone.parse(string(json, "tone", "tone")) : Tone.FRIENDLY;
        return new Rewrite(draft, tone);
    }

    private static String string(JsonObject json, String key, String where) throws Invalid {
        if (!(json.getValue(key) instanceof String value)) {
            throw new Invalid(400, where + " must be a non-empty string");
        }
        return value;
    }

    private static void field(String value, String where, int max) throws Invalid {
        if (value == null || value.isEmpty()) {
            throw new Invalid(400, where + " must be a non-empty string");
        }
        if (value.length() > max) {
            throw new Invalid(413, where + " exceeds " + max + " characters");
        }
    }
}
