package dev.cloister.benchmarks.infer;

import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding a 1 KiB prompt with the stories260K tokenizer (tok512.bin from {@code -Dcloister.models}, default
 * testdata/models), and decoding its tokens again.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TokenizerBenchmark {

    private Tokenizer tokenizer;
    private String text;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setup() {
        Path models = Path.of(System.getProperty("cloister.models", "testdata/models"));
        tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.read(models.resolve("tok512.bin")));
        StringBuilder builder = new StringBuilder();
        while (builder.length() < 1024) {
            builder.append("Once upon a time, there was a little girl named Lily. She loved to play outside. ");
        }
        text = builder.substring(0, 1024);
        tokens = tokenizer.encode(text, Framing.BOS);
    }

    @Benchmark
    public int[] encode1KiB() {
        return tokenizer.encode(text, Framing.BOS);
    }

    @Benchmark
    public byte[] decode1KiB() {
        return tokenizer.decode(tokens);
    }
}
