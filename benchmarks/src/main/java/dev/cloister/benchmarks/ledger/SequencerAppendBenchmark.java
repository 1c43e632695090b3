package dev.cloister.benchmarks.ledger;

import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Issue 3 target: ≥ 20,000 entries/s appended with tiles persisted. Each operation is one entry; each invocation is
 * one durable batch (entry bundles, tiles, signed checkpoint, all fsynced) of 256, 1024 or 4096 entries of 200 bytes.
 * The directory is under {@code java.io.tmpdir}; point it at the disk the ledger will use.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SequencerAppendBenchmark {

    Path dir;
    Sequencer sequencer;
    List<byte[]> batch256;
    List<byte[]> batch1024;
    List<byte[]> batch4096;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        dir = Files.createTempDirectory("cloister-ledger-bench");
        sequencer = Sequencer.open(
                LogStorage.open(dir),
                "ledger.cloister.example/bench",
                Ed25519NoteSigner.generate("ledger.cloister.example/bench", new SecureRandom()));
        batch256 = entries(256);
        batch1024 = entries(1024);
        batch4096 = entries(4096);
    }

    static List<byte[]> entries(int n) {
        SecureRandom r = new SecureRandom();
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] e = new byte[200];
            r.nextBytes(e);
            out.add(e);
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(256)
    public Object appendBatchOf256() throws Exception {
        return sequencer.append(batch256);
    }

    @Benchmark
    @OperationsPerInvocation(1024)
    public Object appendBatchOf1024() throws Exception {
        return sequencer.append(batch1024);
    }

    @Benchmark
    @OperationsPerInvocation(4096)
    public Object appendBatchOf4096() throws Exception {
        return sequencer.append(batch4096);
    }
}
