package dev.cloister.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The two use cases the enclave serves, parsed and validated once (the JSON bodies of {@code POST /v1/summarize} and
 * {@code POST /v1/rewrite} inside the RA-TLS session). Exceptions name the field and the rule, never the content.
 */
public sealed interface AssistantRequest {

    /** Summarize a list of chat messages in a style. */
    record Summarize(List<ChatMessage> messages, String style) implements AssistantRequest {
        public static final Set<String> STYLES = Set.of("brief", "bullets", "detailed");
        public Summarize {
            messages = List.copyOf(messages);
        }
    }

    /** Rewrite a draft in a tone. */
    record Rewrite(String draft, String tone) implements AssistantRequest {
        public static final Set<String> TONES = Set.of("friendly", "formal", "concise");
    }

    record ChatMessage(String id, String sender, Instant time, String text) {}

    /** A request body the enclave refuses (answered 400 or 413 with this reason). */
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

    /** Limits per request (per session: one request per session). */
    record Limits(int maxBodyBytes, int maxMessages, int maxFieldChars) {
        public static final Limits DEFAULT = new Limits(64 * 1024, 200, 8 * 1024);
    }

    static AssistantRequest parse(String path, byte[] body, Limits limits) throws Invalid {
        if (body.length > limits.maxBodyBytes()) {
            throw new Invalid(413, "request body of " + body.length + " bytes exceeds " + limits.maxBodyBytes());
        }
        JsonObject json;
        try {
            json = new JsonObject(new String(body, StandardCharsets.UTF_8));
        } catch (DecodeException | ClassCastException e) {
            throw new Invalid(400, "the body is not a JSON object");
        }
        return switch (path) {
            case "/v1/summarize" -> summarize(json, limits);
            case "/v1/rewrite" -> rewrite(json, limits);
            default -> throw new Invalid(404, "unknown use case");
        };
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
                time = Instant.parse(text(m, "time", "messages[" + i + "].time", 64));
            } catch (DateTimeParseException e) {
                throw new Invalid(400, "messages[" + i + "].time is not an ISO-8601 instant");
            }
            messages.add(new ChatMessage(text(m, "id", "messages[" + i + "].id", 128),
                    text(m, "sender", "messages[" + i + "].sender", 256), time,
                    text(m, "text", "messages[" + i + "].text", limits.maxFieldChars())));
        }
        String style = json.containsKey("style") ? text(json, "style", "style", 32) : "brief";
        if (!Summarize.STYLES.contains(style)) {
            throw new Invalid(400, "style must be one of " + Summarize.STYLES);
        }
        return new Summarize(messages, style);
    }

    private static Rewrite rewrite(JsonObject json, Limits limits) throws Invalid {
        String draft = text(json, "draft", "draft", limits.maxFieldChars());
        String tone = json.containsKey("tone") ? text(json, "tone", "tone", 32) : "friendly";
        if (!Rewrite.TONES.contains(tone)) {
            throw new Invalid(400, "tone must be one of " + Rewrite.TONES);
        }
        return new Rewrite(draft, tone);
    }

    private static String text(JsonObject json, String key, String where, int max) throws Invalid {
        if (!(json.getValue(key) instanceof String value) || value.isEmpty()) {
            throw new Invalid(400, where + " must be a non-empty string");
        }
        if (value.length() > max) {
            throw new Invalid(413, where + " exceeds " + max + " characters");
        }
        return value;
    }

    /**
     * The prompt for the language model, as UTF-8 bytes the caller zeroes after tokenizing. The messages are given
     * in time order under a fixed instruction for the use case.
     */
    static byte[] prompt(AssistantRequest request) {
        StringBuilder prompt = new StringBuilder();
        switch (request) {
            case Summarize s -> {
                prompt.append("A ").append(s.style()).append(" summary of a chat.\n");
                s.messages().stream().sorted(java.util.Comparator.comparing(ChatMessage::time))
                        .forEach(m -> prompt.append(m.sender()).append(": ").append(m.text()).append('\n'));
                prompt.append("Summary:");
            }
            case Rewrite r -> prompt.append("Rewrite this message to be ").append(r.tone()).append(":\n")
                    .append(r.draft()).append("\nRewritten:");
        }
        byte[] bytes = prompt.toString().getBytes(StandardCharsets.UTF_8);
        prompt.setLength(0);
        return bytes;
    }
}
