package dev.cloister.protocol.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

class ChatCompletionFuzzTest {

    private static final ChatCompletionRequest.Limits LIMITS = new ChatCompletionRequest.Limits(4096, 8, 512);

    /**
     * Any body is refused with an OpenAI error of a 4xx status, or parses to a request that passes its own check and
     * encodes to a body that parses back to the same request.
     */
    @FuzzTest
    void requestsParseOrAreRefused(byte[] input) throws Exception {
        ChatCompletionRequest request;
        try {
            request = ChatCompletionRequest.parse(input, LIMITS);
        } catch (OpenAiError e) {
            assertEquals(4, e.status() / 100, e.getMessage());
            return;
        }
        request.check(LIMITS);
        ChatCompletionRequest again =
                ChatCompletionRequest.parse(request.encode(), new ChatCompletionRequest.Limits(1 << 20, 8, 512));
        assertEquals(request, again);
    }

    /** Any bytes, in any split, give events or a Malformed; never more than the limit per event. */
    @FuzzTest
    void eventStreamsAreBounded(byte[] input) {
        ServerSentEvents.Decoder decoder = new ServerSentEvents.Decoder(64);
        int at = 0;
        try {
            while (at < input.length) {
                int step = 1 + (input[at] & 7);
                byte[] piece = java.util.Arrays.copyOfRange(input, at, Math.min(input.length, at + step));
                at += step;
                for (String data : decoder.offer(piece)) {
                    assertEquals(true, data.length() <= 64);
                    try {
                        ChatCompletionChunk.decode(data);
                    } catch (ChatCompletion.Malformed expected) {
                        // fine
                    }
                    try {
                        ChatDelta delta = ChatDelta.decode(data);
                        assertEquals(delta, ChatDelta.decode(delta.encode()));
                    } catch (ChatCompletion.Malformed expected) {
                        // fine
                    }
                }
            }
        } catch (ServerSentEvents.Malformed expected) {
            // fine
        }
        try {
            ChatCompletion.decode(new String(input, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
            ModelList.decode(input);
            OpenAiError.decode(400, input);
        } catch (ChatCompletion.Malformed expected) {
            // fine
        }
    }
}
