package dev.cloister.benchmarks.infer;

import dev.cloister.infer.nativecore.NativeEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The native engine on the CPU backend: decode tokens/s at batch 1 and 16 and prefill tokens/s (scores are tokens
 * per second). Issue targets with stories15M on 2 threads: batch 1 ≥ 180, batch 16 ≥ 800 in aggregate, prefill ≥ 2,000.
 *
 * <p>{@code model} is a file name looked up in {@code -Dcloister.models} (default {@code testdata/models}), then in
 * {@code /tmp/models} (where stories15M goes: see native/README.md), or an absolute path. Decode positions cycle
 * through [16, 144): each sequence is restarted with a 16-token prompt when it reaches 144 (the restart is counted).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class NativeInferenceBenchmark {

    private static final int PROMPT = 16;
    private static final int HORIZON = 144;
    private static final int PREFILL = 128;

    @Param({"stories260K.bin"})
    public String model;

    @Param({"2"})
    public int threads;

    private NativeEngine engine;
    private int vocab;
    private int[] seqs;
    private int[] tokens;
    private float[] logits;
    private int[] prompt;

    static Path resolve(String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        Path shared = Path.of(System.getProperty("cloister.models", "testdata/models"))
                .resolve(name);
        return Files.exists(shared) ? shared : Path.of("/tmp/models").resolve(name);
    }

    @Setup(Level.Trial)
    public void open() {
        engine = NativeEngine.open(
                resolve(model),
                NativeEngine.Options.defaults()
                        .withBackend(NativeEngine.Backend.CPU)
                        .withThreads(threads)
                        .withMaxSequences(17));
        vocab = engine.shape().vocabSize();
        logits = new float[16 * vocab];
        prompt = new int[Math.max(PROMPT, PREFILL)];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 3 + (i * 7919) % (vocab - 3);
        }
        seqs = new int[16];
        tokens = new int[16];
        for (int b = 0; b < 16; b++) {
            seqs[b] = engine.openSequence();
            restart(b);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        engine.close();
    }

    private void restart(int b) {
        engine.closeSequence(seqs[b]);
        seqs[b] = engine.openSequence();
        // Stagger the sequences so that they do not all restart in the same step.
        engine.prefill(seqs[b], prompt, 0, PROMPT + b, logits);
        tokens[b] = 3 + b;
    }

    private void step(int batch) {
        for (int b = 0; b < batch; b++) {
            if (engine.position(seqs[b]) >= HORIZON) {
                restart(b);
            }
        }
        engine.decode(seqs, tokens, batch, logits);
        for (int b = 0; b < batch; b++) {
            tokens[b] = argmax(logits, b * vocab, vocab);
        }
    }

    private static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public int decodeBatch1() {
        step(1);
        return tokens[0];
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public int decodeBatch16() {
        step(16);
        return tokens[0];
    }

    @Benchmark
    @OperationsPerInvocation(PREFILL)
    public float prefill128() {
        int s = engine.openSequence();
        try {
            engine.prefill(s, prompt, 0, PREFILL, logits);
            return logits[0];
        } finally {
            engine.closeSequence(s);
        }
    }
}
