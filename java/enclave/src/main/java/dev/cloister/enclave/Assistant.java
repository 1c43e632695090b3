package dev.cloister.enclave;

import dev.cloister.infer.ModelShape;
import dev.cloister.infer.chat.ChatMessage;
import dev.cloister.infer.chat.ChatPrompt;
import dev.cloister.infer.sampling.FinishReason;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.Generation;
import dev.cloister.infer.scheduler.TokenSink;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The one generation path: a conversation (from {@link PromptBuilder}) is rendered by the chat template, tokenized,
 * fitted to the context (summarize and rewrite keep the prompt's end; a chat completion too long for the context is
 * refused), submitted to the continuous-batching scheduler, and its output handed to an {@link Answer} as whole UTF-8
 * characters with any stop sequence (and what follows it) cut off. The prompt's bytes and tokens are zeroed once
 * submitted and finished.
 */
final class Assistant {

    /** Per-session limits on the answer. */
    record Limits(int maxOutputTokens, Duration deadline) {}

    /** Receives the answer; called on the scheduler's thread: must not block. */
    interface Answer {
        void text(byte[] utf8);

        void finished(Completion completion);
    }

    /** What to do with a prompt longer than the context leaves room for. */
    enum Overflow {
        /** Keep BOS and the prompt's end (the instruction's last words and the answer cue); half the context answers. */
        KEEP_END,
        /** Refuse it ({@link PromptTooLong}). */
        REFUSE
    }

    /**
     * One generation.
     *
     * @param maxTokens the most tokens to generate, at most the enclave's limit (0: an empty answer at once)
     * @param stop stop sequences: the answer ends before the first of them
     */
    record Generate(
            List<ChatMessage> conversation,
            float temperature,
            float topP,
            long seed,
            List<String> stop,
            int maxTokens,
            Overflow overflow) {}

    /**
     * A started answer: {@code cancel} ends it before its next step; {@code throttle} pauses and resumes its generation
     * (the sequence and its KV cache kept). Neither has an effect once the answer has finished.
     */
    record Started(Runnable cancel, AnswerChannel.Throttle throttle) {
        /** An answer that finished as it started (no tokens allowed). */
        static final Started FINISHED = new Started(() -> {}, AnswerChannel.Throttle.NONE);
    }

    /** A prompt that leaves no room in the context (answered 413). */
    static final class PromptTooLong extends Exception {
        private static final long serialVersionUID = 1L;

        PromptTooLong(int promptTokens, int contextTokens) {
            super("the prompt of " + promptTokens + " tokens leaves no room in the model's context of " + contextTokens
                    + " tokens");
        }
    }

    private final BatchScheduler scheduler;
    private final ModelShape shape;
    private final PromptBuilder prompts;
    private final ChatPrompt chatPrompt;
    private final String modelId;
    private final Limits limits;
    private final SecureRandom random = new SecureRandom();

    Assistant(
            BatchScheduler scheduler,
            Tokenizer tokenizer,
            ModelShape shape,
            PromptBuilder prompts,
            String modelId,
            Limits limits) {
        this.scheduler = scheduler;
        this.shape = shape;
        this.prompts = prompts;
        this.chatPrompt = new ChatPrompt(prompts.template(), tokenizer);
        this.modelId = modelId;
        this.limits = limits;
    }

    Limits limits() {
        return limits;
    }

    /** The longest one answer's generation can run: its deadline, plus the longest pause before it ends STALLED. */
    Duration longestAnswer() {
        return limits.deadline().plus(scheduler.config().maxPause());
    }

    /** The name {@code /v1/models} lists and a chat completion must ask for. */
    String modelId() {
        return modelId;
    }

    /** Summarize or rewrite: greedy, as many tokens as the enclave allows, the prompt's end kept. */
    Generate generate(AssistantRequest request) {
        return new Generate(
                prompts.conversation(request), 0f, 1f, 0L, List.of(), limits.maxOutputTokens(), Overflow.KEEP_END);
    }

    /** A chat completion: its sampling, its stop sequences, its token limit capped by the enclave's. */
    Generate generate(ChatCompletionRequest request) {
        int asked = request.maxTokens().orElse(limits.maxOutputTokens());
        return new Generate(
                prompts.conversation(request),
                request.temperature(),
                request.topP(),
                request.seed().orElseGet(random::nextLong),
                request.stop(),
                Math.min(asked, limits.maxOutputTokens()),
                Overflow.REFUSE);
    }

    /**
     * Starts the answer. With no output tokens allowed the answer finishes at once, empty, without the engine.
     *
     * @return cancels, pauses and resumes the answer
     * @throws PromptTooLong when {@link Overflow#REFUSE} and the prompt fills the context
     * @throws dev.cloister.infer.scheduler.QueueFullException when the scheduler's queue is full (answer 503)
     * @throws dev.cloister.infer.chat.ChatTemplateException when the template refuses the conversation
     */
    Started start(Generate request, Instant now, EnclaveSession session, Answer answer) throws PromptTooLong {
        // The template's control tokens are tokens; the same texts in a message stay text.
        int[] tokens = chatPrompt.encode(request.conversation(), true);
        int context = shape.maxSequenceLength();
        int outputTokens;
        if (request.overflow() == Overflow.KEEP_END) {
            outputTokens = Math.min(request.maxTokens(), context / 2);
            int room = context - outputTokens;
            if (tokens.length > room) {
                int[] kept = new int[room];
                kept[0] = tokens[0];
                System.arraycopy(tokens, tokens.length - (room - 1), kept, 1, room - 1);
                Arrays.fill(tokens, 0);
                tokens = kept;
            }
        } else {
            if (tokens.length >= context) {
                int promptTokens = tokens.length;
                Arrays.fill(tokens, 0);
                throw new PromptTooLong(promptTokens, context);
            }
            outputTokens = Math.min(request.maxTokens(), context - tokens.length);
        }
        if (outputTokens == 0) {
            int promptTokens = tokens.length;
            Arrays.fill(tokens, 0);
            session.generationEnded();
            answer.finished(new Completion(FinishReason.MAX_TOKENS, promptTokens, 0));
            return Started.FINISHED;
        }
        SamplingParameters sampling = new SamplingParameters(
                request.temperature(), request.topP(), request.seed(), outputTokens, request.stop());
        StopFilter stops = new StopFilter(request.stop());
        Utf8Pieces pieces = new Utf8Pieces();
        Generation generation = scheduler.submit(tokens, sampling, now.plus(limits.deadline()), new TokenSink() {
            @Override
            public void onToken(int token, byte[] piece) {
                byte[] whole = pieces.add(stops.add(piece));
                if (whole.length > 0) answer.text(whole);
            }

            @Override
            public void onFinish(Completion completion) {
                byte[] held = stops.flush();
                byte[] whole = pieces.add(held);
                if (whole.length > 0) answer.text(whole);
                byte[] rest = pieces.flush();
                if (rest.length > 0) answer.text(rest);
                session.generationEnded(); // idle time counts from here (and from each record sealed after)
                answer.finished(completion);
            }
        });
        return new Started(generation::cancel, new AnswerChannel.Throttle(generation::pause, generation::resume));
    }

    /**
     * Cuts the answer before its first stop sequence (OpenAI's {@code stop}: the sequence is not returned). Bytes that
     * may begin a stop sequence are held back until the next token shows whether they do; after a stop nothing more
     * passes. Works on bytes: a stop sequence is whole UTF-8 characters, so a cut never splits one.
     */
    static final class StopFilter {
        private final byte[][] stops;
        private byte[] held = new byte[0];
        private boolean stopped;

        StopFilter(List<String> stopSequences) {
            stops = new byte[stopSequences.size()][];
            for (int i = 0; i < stops.length; i++)
                stops[i] = stopSequences.get(i).getBytes(StandardCharsets.UTF_8);
        }

        /** Takes a token's bytes (zeroed here); returns what may be shown now. */
        byte[] add(byte[] piece) {
            if (stopped) {
                Arrays.fill(piece, (byte) 0);
                return new byte[0];
            }
            if (stops.length == 0) return piece;
            byte[] joined = Arrays.copyOf(held, held.length + piece.length);
            System.arraycopy(piece, 0, joined, held.length, piece.length);
            Arrays.fill(piece, (byte) 0);
            Arrays.fill(held, (byte) 0);
            int cut = joined.length;
            for (byte[] stop : stops) {
                int at = indexOf(joined, stop);
                if (at >= 0 && at < cut) cut = at;
            }
            if (cut < joined.length) {
                stopped = true;
                held = new byte[0];
            } else {
                int keep = 0;
                for (byte[] stop : stops) keep = Math.max(keep, prefixSuffix(joined, stop));
                cut = joined.length - keep;
                held = Arrays.copyOfRange(joined, cut, joined.length);
            }
            byte[] out = Arrays.copyOf(joined, cut);
            Arrays.fill(joined, (byte) 0);
            return out;
        }

        /** What was held back, at the end of an answer that did not stop on a sequence. */
        byte[] flush() {
            byte[] out = held;
            held = new byte[0];
            return out;
        }

        /** The length of the longest proper prefix of {@code stop} that ends {@code bytes}. */
        private static int prefixSuffix(byte[] bytes, byte[] stop) {
            for (int length = Math.min(stop.length - 1, bytes.length); length > 0; length--) {
                if (Arrays.equals(bytes, bytes.length - length, bytes.length, stop, 0, length)) return length;
            }
            return 0;
        }

        private static int indexOf(byte[] haystack, byte[] needle) {
            for (int i = 0; i + needle.length <= haystack.length; i++) {
                if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) return i;
            }
            return -1;
        }
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
