package dev.cloister.benchmarks.infer;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
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
 * Encoding a 1 KiB mixed prompt (English, code, digits, CJK) with a real byte-level BPE vocabulary (testdata/tokenizers,
 * {@code -Dcloister.tokenizers}, default testdata/tokenizers), and decoding its tokens again.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ByteLevelBpeBenchmark {

    @Param({"llama3", "qwen3"})
    public String vocabulary;

    private Tokenizer tokenizer;
    private String text;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path dir = Path.of(System.getProperty("cloister.tokenizers", "testdata/tokenizers"));
        try (InputStream in =
                new GZIPInputStream(Files.newInputStream(dir.resolve(vocabulary).resolve("vocab.gguf.gz")))) {
            tokenizer = GgufVocabulary.tokenizer(GgufFile.read(ByteBuffer.wrap(in.readAllBytes())));
        }
        StringBuilder builder = new StringBuilder();
        while (builder.length() < 1024) {
            builder.append("Please summarize the thread: we'll meet at 10:30 on 2024-05-17, room 1234. ")
                    .append("for (int i = 0; i < n; i++) { total += price[i]; }\n")
                    .append("会议改到明天下午三点。 ");
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
