package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.infer.sampling.FinishReason;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.protocol.padding.AnswerFrames;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How many bytes, so how many padded frames, a streamed chat completion takes in each form: the full OpenAI chunks and
 * the compact form the SDK asks for. Frames leave at the cadence, so this is the floor of a streamed answer's time.
 */
class ChatCompletionOutputTest {

    /** Sixteen tokens of a TinyStories answer (stories260K's kind of text). */
    private static final String[] TOKENS = {
        " there", " was", " a", " little", " girl", " named", " Lily", ".", " She", " loved", " to", " play", " in",
        " the", " park", "."
    };

    /** Every byte sealed, in order; counted, never opened. */
    private static final class Counted implements AnswerChannel {
        long bytes;
        int closes;
        int aborts;

        @Override
        public void seal(byte[] plain) {
            bytes += plain.length;
        }

        @Override
        public void close() {
            closes++;
        }

        @Override
        public void abort() {
            aborts++;
        }

        @Override
        public void throttle(Throttle throttle) {}
    }

    private static long streamedBytes(boolean compact) {
        Counted outbox = new Counted();
        // A streamed answer never keeps text in the session (only a whole one does): no session is needed.
        ChatCompletionOutput output = new ChatCompletionOutput(
                outbox,
                null,
                true,
                compact,
                false,
                () -> {},
                new ChatCompletionOutput.Identity("chatcmpl-" + "A".repeat(24), 1_765_000_000L, "stories260K"),
                () -> {});
        output.accepted();
        for (String token : TOKENS) output.text(token.getBytes(StandardCharsets.UTF_8));
        output.finished(new Completion(FinishReason.MAX_TOKENS, 5, TOKENS.length));
        return outbox.bytes;
    }

    /** Frames of data, and frames once padded to the default buckets, for {@code bytes} of answer. */
    private static long[] frames(long bytes) {
        AnswerPadding padding = AnswerPadding.DEFAULT;
        int capacity = AnswerFrames.capacity(padding.frameSize());
        long data = (bytes + capacity - 1) / capacity;
        return new long[] {data, padding.buckets().size(data * padding.frameSize()) / padding.frameSize()};
    }

    /**
     * Full chunks: 5 frames of data, padded to 8 (the 8 KiB bucket), so at least 2 + 7 x 25 = 177 ms at the default
     * cadence; compact: one frame, which leaves 2 ms after the request when the tokens are ready by then.
     */
    @Test
    void sixteenTokensTakeOneDefaultFrameCompactAndEightInFullChunks() {
        long full = streamedBytes(false);
        long compact = streamedBytes(true);
        assertEquals(List.of(5L, 8L), Arrays.stream(frames(full)).boxed().toList(), full + " bytes");
        assertEquals(List.of(1L, 1L), Arrays.stream(frames(compact)).boxed().toList(), compact + " bytes");
    }

    /**
     * A generation the scheduler ended because its reader stopped reading (STALLED): nothing more is sealed (the
     * reader takes nothing), the channel is aborted (the response reset, the session wiped), and the answer is not
     * counted as answered.
     */
    @Test
    void aStalledAnswerIsAbortedWithNothingMoreSealed() {
        for (boolean stream : new boolean[] {true, false}) {
            Counted outbox = new Counted();
            int[] answered = {0};
            ChatCompletionOutput output = new ChatCompletionOutput(
                    outbox,
                    null,
                    stream,
                    true,
                    false,
                    () -> {},
                    new ChatCompletionOutput.Identity("chatcmpl-" + "A".repeat(24), 1_765_000_000L, "stories260K"),
                    () -> answered[0]++);
            output.accepted();
            if (stream) output.text(" there".getBytes(StandardCharsets.UTF_8));
            long before = outbox.bytes;
            output.finished(new Completion(FinishReason.STALLED, 5, 1));
            assertEquals(before, outbox.bytes, "nothing sealed after the stall");
            assertEquals(1, outbox.aborts);
            assertEquals(0, outbox.closes);
            assertEquals(0, answered[0]);
        }
    }
}
