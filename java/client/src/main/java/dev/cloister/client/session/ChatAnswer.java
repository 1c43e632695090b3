package dev.cloister.client.session;

import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.protocol.openai.ChatCompletion;
import dev.cloister.protocol.openai.Usage;
import java.util.Optional;

/**
 * A chat completion's outcome: the whole text (streamed chunks joined), why it ended, the usage when the enclave
 * reported it (always for a whole answer; for a stream only with {@code include_usage}), and the request-log entry.
 */
public record ChatAnswer(
        String id,
        long created,
        String model,
        String content,
        ChatCompletion.Finish finish,
        Optional<Usage> usage,
        RequestLogEntry logEntry) {

    /** The answer as a {@code chat.completion} (the usage must have been reported). */
    public ChatCompletion completion() {
        return new ChatCompletion(id, created, model, content, finish, usage.orElseThrow());
    }

    @Override
    public String toString() {
        return "ChatAnswer[" + id + ", " + content.length() + " chars, " + finish.wireName() + ", " + usage + "]";
    }
}
