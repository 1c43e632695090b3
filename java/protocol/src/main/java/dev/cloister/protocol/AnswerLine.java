package dev.cloister.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The answer's JSON, streamed ({@code application/jsonl}: text lines, then one {@code done} line) or whole
 * ({@code application/json}: the end's fields and the whole text in one object).
 */
public sealed interface AnswerLine {

    /** A piece of the answer's text (whole UTF-8 characters). */
    record Text(String text) implements AnswerLine {}

    /** How the answer ended, and its token counts. */
    record End(FinishReason finish, int promptTokens, int generatedTokens) implements AnswerLine {
        JsonObject fields() {
            return new JsonObject()
                    .put("finish", finish.wireName())
                    .put("prompt_tokens", promptTokens)
                    .put("generated_tokens", generatedTokens);
        }

        static End of(JsonObject json) throws Malformed {
            if (!(json.getValue("finish") instanceof String name)) {
                throw new Malformed("the answer's end has no finish reason");
            }
            FinishReason finish = FinishReason.ofWireName(name)
                    .orElseThrow(() -> new Malformed("the answer's finish reason is unknown"));
            if (!(json.getValue("prompt_tokens") instanceof Integer prompt && prompt >= 0)
                    || !(json.getValue("generated_tokens") instanceof Integer generated && generated >= 0)) {
                throw new Malformed("the answer's token counts are missing or negative");
            }
            return new End(finish, prompt, generated);
        }
    }

    /** The line as the stream carries it, without its newline. */
    default String encode() {
        return switch (this) {
            case Text t -> new JsonObject().put("text", t.text()).encode();
            case End e -> new JsonObject().put("done", e.fields()).encode();
        };
    }

    /** A whole answer: the end's fields with the text. */
    static String encodeWhole(End end, String text) {
        return end.fields().put("text", text).encode();
    }

    /** One line of a streamed answer; a line that is neither text nor an end is refused. */
    static AnswerLine decode(String line) throws Malformed {
        JsonObject json;
        try {
            json = new JsonObject(line);
        } catch (RuntimeException e) {
            throw new Malformed("a line of the answer is not a JSON object");
        }
        if (json.getValue("text") instanceof String text) {
            return new Text(text);
        }
        if (json.getValue("done") instanceof JsonObject done) {
            return End.of(done);
        }
        throw new Malformed("a line of the answer is neither text nor its end");
    }

    /** An answer the client cannot read: the reason is a fixed text, never the answer's content. */
    final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String reason) {
            super(reason);
        }
    }

    /** A whole answer: its text and how it ended. */
    record Whole(String text, End end) {}

    static Whole decodeWhole(String body) throws Malformed {
        JsonObject json;
        try {
            json = new JsonObject(body);
        } catch (RuntimeException e) {
            throw new Malformed("the answer is not a JSON object");
        }
        return new Whole(json.getValue("text") instanceof String text ? text : "", End.of(json));
    }
}
