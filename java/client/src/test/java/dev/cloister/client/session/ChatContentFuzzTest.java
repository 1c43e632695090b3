package dev.cloister.client.session;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.protocol.openai.ChatCompletion;
import dev.cloister.protocol.openai.ServerSentEvents;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

class ChatContentFuzzTest {

    /**
     * Any bytes as a streamed chat completion, in either form and any split: chunks, or a refusal of the stream
     * (Malformed, or the enclave's error event as a SessionFailure); never another exception.
     */
    @FuzzTest
    void streamedAnswersAreReadOrRefused(byte[] input) throws Exception {
        for (ChatStreamForm form : ChatStreamForm.values()) {
            ChatContent.Completion reader = new ChatContent.Completion(
                    chunk -> {},
                    new RequestAttempt("chat", new RequestLogEntry.Shared(1, 1, List.of()), Instant.EPOCH, "relay"),
                    () -> false,
                    form);
            try {
                int at = 0;
                while (at < input.length) {
                    int step = 1 + (input[at] & 15);
                    reader.streamed(Arrays.copyOfRange(input, at, Math.min(input.length, at + step)));
                    at += step;
                }
                if (reader.complete()) reader.answer();
            } catch (ChatCompletion.Malformed | ServerSentEvents.Malformed | SessionFailure expected) {
                // refused
            }
        }
    }
}
