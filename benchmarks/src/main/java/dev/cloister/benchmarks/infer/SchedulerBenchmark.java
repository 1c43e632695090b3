package dev.cloister.benchmarks.infer;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.ModelShape;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.SchedulerConfig;
import dev.cloister.infer.scheduler.TokenSink;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.TokenType;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the Java side of inference costs per generated token, with an engine that does no work: the scheduler's
 * bookkeeping, greedy sampling over 32,000 logits, detokenizing and delivery. One operation generates
 * {@code batch} x 64 tokens; divide to get the ceiling the scheduler puts on tokens/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Benchmark)
public class SchedulerBenchmark {

    private static final int VOCAB = 32_000;
    private static final int TOKENS = 64;

    @Param({"1", "64"})
    public int batch;

    private BatchScheduler scheduler;

    /** A fake engine: no model; every row of logits is one-hot on a fixed ordinary token. */
    static final class OneHotFakeEngine implements InferenceEngine {
        private final ModelShape shape = new ModelShape(8, 8, 1, 1, 1, VOCAB, 4096);
        private final int[] positions;
        private final boolean[] open;

        OneHotFakeEngine(int maxSequences) {
            positions = new int[maxSequences];
            open = new boolean[maxSequences];
        }

        @Override
        public ModelShape shape() {
            return shape;
        }

        @Override
        public int maxSequences() {
            return open.length;
        }

        @Override
        public int openSequence() {
            for (int i = 0; i < open.length; i++) {
                if (!open[i]) {
                    open[i] = true;
                    return i;
                }
            }
            throw new dev.cloister.infer.InferenceException("full");
        }

        @Override
        public int position(int sequence) {
            return positions[sequence];
        }

        @Override
        public void prefill(int sequence, int[] tokens, int offset, int count, float[] logits) {
            positions[sequence] += count;
            oneHot(logits, 0);
        }

        @Override
        public void decode(int[] sequences, int[] tokens, int batch, float[] logits) {
            for (int i = 0; i < batch; i++) {
                positions[sequences[i]]++;
                oneHot(logits, i * VOCAB);
            }
        }

        private static void oneHot(float[] logits, int at) {
            Arrays.fill(logits, at, at + VOCAB, 0f);
            logits[at + 1000] = 1f;
        }

        @Override
        public void closeSequence(int sequence) {
            positions[sequence] = 0;
            open[sequence] = false;
        }

        @Override
        public void close() {}
    }

    /** A 32,000-token vocabulary: the special tokens, 256 byte tokens, then short ordinary pieces. */
    static Tokenizer vocabulary() {
        byte[][] pieces = new byte[VOCAB][];
        float[] scores = new float[VOCAB];
        TokenType[] types = new TokenType[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            if (i < 3) {
                pieces[i] = ("<" + i + ">").getBytes(StandardCharsets.US_ASCII);
                types[i] = i == 0 ? TokenType.UNKNOWN : TokenType.CONTROL;
            } else if (i < 259) {
                pieces[i] = String.format("<0x%02X>", i - 3).getBytes(StandardCharsets.US_ASCII);
                types[i] = TokenType.BYTE;
            } else {
                pieces[i] = (" w" + i).getBytes(StandardCharsets.US_ASCII);
                types[i] = TokenType.NORMAL;
            }
        }
        return new SentencePieceTokenizer(
                new Vocabulary(pieces, scores, types, LlamaTokenizerFile.BOS, LlamaTokenizerFile.EOS));
    }

    @Setup(Level.Trial)
    public void setup() {
        scheduler = BatchScheduler.start(
                new OneHotFakeEngine(batch), vocabulary(), new SchedulerConfig(batch, Math.max(batch, 16), 16));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scheduler.close();
    }

    @Benchmark
    public void generate64TokensPerSequence() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(batch);
        TokenSink sink = new TokenSink() {
            @Override
            public void onToken(int token, byte[] piece) {}

            @Override
            public void onFinish(Completion completion) {
                done.countDown();
            }
        };
        Instant deadline = Instant.now().plusSeconds(60);
        for (int i = 0; i < batch; i++) {
            scheduler.submit(new int[] {1, 500, 600, 700}, SamplingParameters.greedy(TOKENS), deadline, sink);
        }
        done.await();
    }
}
