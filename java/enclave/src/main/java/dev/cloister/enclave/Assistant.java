package dev.cloister.enclave;

import dev.cloister.infer.ModelShape;
import dev.cloister.infer.sampling.FinishReason;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.Generation;
import dev.cloister.infer.scheduler.TokenSink;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.protocol.AssistantRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Runs one use case through the language model: builds the prompt, tokenizes it (keeping its end when it is longer
 * than the context allows), submits it to the continuous-batching scheduler and hands the output to an
 * {@link Answer} as whole UTF-8 characters. The prompt's bytes and tokens are zeroed once submitted and finished.
 */
final class Assistant {

    /** Per-session limits on the answer. */
    record Limits(int maxOutputTokens, Duration deadline) {}

    /** Receives the answer; called on the scheduler's thread: must not block. */
    interface Answer {
        void text(byte[] utf8);

        void finished(Completion completion);
    }

    private final BatchScheduler scheduler;
    private final Tokenizer tokenizer;
    private final ModelShape shape;
    private final Limits limits;

    Assistant(BatchScheduler scheduler, Tokenizer tokenizer, ModelShape shape, Limits limits) {
        this.scheduler = scheduler;
        this.tokenizer = tokenizer;
        this.shape = shape;
        this.limits = limits;
    }

    Limits limits() {
        return limits;
    }

    /**
     * Starts the answer. With no output tokens allowed the answer finishes at once, empty, without the engine.
     *
     * @return cancels the answer (no effect once it has finished)
     * @throws dev.cloister.infer.scheduler.QueueFullException when the scheduler's queue is full (answer 503)
     */
    Runnable start(AssistantRequest request, Instant now, EnclaveSession session, Answer answer) {
        byte[] prompt = AssistantRequest.prompt(request);
        session.keep(prompt);
        int[] tokens = tokenizer.encode(prompt, Framing.BOS);
        Arrays.fill(prompt, (byte) 0);
        int outputTokens = Math.min(limits.maxOutputTokens(), shape.maxSequenceLength() / 2);
        int room = shape.maxSequenceLength() - outputTokens;
        if (tokens.length > room) {
            // Keep BOS and the end of the prompt (the instruction's last words and the answer cue).
            int[] kept = new int[room];
            kept[0] = tokens[0];
            System.arraycopy(tokens, tokens.length - (room - 1), kept, 1, room - 1);
            Arrays.fill(tokens, 0);
            tokens = kept;
        }
        if (outputTokens == 0) {
            int promptTokens = tokens.length;
            Arrays.fill(tokens, 0);
            answer.finished(new Completion(FinishReason.MAX_TOKENS, promptTokens, 0));
            return () -> {};
        }
        Utf8Pieces pieces = new Utf8Pieces();
        Generation generation = scheduler.submit(
                tokens, SamplingParameters.greedy(outputTokens), now.plus(limits.deadline()), new TokenSink() {
                    @Override
                    public void onToken(int token, byte[] piece) {
                        byte[] whole = pieces.add(piece);
                        Arrays.fill(piece, (byte) 0);
                        if (whole.length > 0) answer.text(whole);
                    }

                    @Override
                    public void onFinish(Completion completion) {
                        byte[] rest = pieces.flush();
                        if (rest.length > 0) answer.text(rest);
                        answer.finished(completion);
                    }
                });
        return generation::cancel;
    }

    /** Joins byte pieces into whole UTF-8 characters (a token may end inside a character). */
    static final class Utf8Pieces {
        private byte[] pending = new byte[0];

        byte[] add(byte[] piece) {
            byte[] all = Arrays.copyOf(pending, pending.length + piece.length);
            System.arraycopy(piece, 0, all, pending.length, piece.length);
            Arrays.fill(pending, (byte) 0);
            int end = completeEnd(all);
            pending = Arrays.copyOfRange(all, end, all.length);
            byte[] out = Arrays.copyOf(all, end);
            Arrays.fill(all, (byte) 0);
            return out;
        }

        /** What is left (an incomplete character becomes U+FFFD when the answer ends). */
        byte[] flush() {
            byte[] out = pending.length == 0 ? pending : "\uFFFD".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Arrays.fill(pending, (byte) 0);
            pending = new byte[0];
            return out;
        }

        /** The length of the longest prefix that does not end inside a multi-byte character. */
        static int completeEnd(byte[] b) {
            int n = b.length;
            for (int back = 1; back <= Math.min(3, n); back++) {
                int c = b[n - back] & 0xff;
                if ((c & 0xc0) == 0x80) continue; // continuation byte: look further back
                int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
                return need > back ? n - back : n;
            }
            return n;
        }
    }
}
