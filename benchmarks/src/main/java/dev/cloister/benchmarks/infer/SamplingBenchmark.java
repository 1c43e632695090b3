package dev.cloister.benchmarks.infer;

import dev.cloister.infer.sampling.Sampler;
import dev.cloister.infer.sampling.SamplingParameters;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One next-token choice over a Llama-2-sized row of logits (32,000): the scheduler does this once per sequence per
 * step on its own thread, so at batch 256 it bounds the aggregate tokens/s a GPU can deliver.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class SamplingBenchmark {

    /** greedy | temperature (T=0.8) | topP (T=1, p=0.9). */
    @Param({"greedy", "temperature", "topP"})
    public String mode;

    private float[] logits;
    private Sampler sampler;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom random = new SplittableRandom(1);
        logits = new float[32_000];
        for (int i = 0; i < logits.length; i++) {
            // a peaked distribution, like a language model's: most mass on a few dozen tokens
            logits[i] = (float) (random.nextGaussian() * 2.0 + (i % 1000 == 0 ? 12.0 : 0.0));
        }
        SamplingParameters parameters = switch (mode) {
            case "greedy" -> SamplingParameters.greedy(1);
            case "temperature" -> SamplingParameters.sampled(0.8f, 1f, 7L, 1);
            case "topP" -> SamplingParameters.sampled(1f, 0.9f, 7L, 1);
            default -> throw new IllegalArgumentException(mode);
        };
        sampler = new Sampler(parameters);
    }

    @Benchmark
    public int sample() {
        return sampler.sample(logits, 0, logits.length);
    }
}
