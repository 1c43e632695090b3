package dev.cloister.benchmarks.attest;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * TDX quote verification (real v4 quote of go-tdx-guest, from {@code -Dcloister.vectors}): PCK chain (3 certificates,
 * not cached yet), QE report and attestation-key signatures. PCS collateral is not evaluated yet.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TdxVerifyBenchmark {

    private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    private byte[] quote;
    private final TdxVerifier verifier = new TdxVerifier();

    @Setup(Level.Trial)
    public void setup() throws IOException {
        quote = Files.readAllBytes(Path.of(System.getProperty("cloister.vectors", "../shared/vectors"))
                .resolve("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat"));
    }

    @Benchmark
    public TdxClaims tdxUncachedChain() throws AttestationException {
        return verifier.verify(NOW, TdxEvidence.of(quote), TdxEndorsements.embeddedPckChain(), TdxPolicy.genuineIntel());
    }
}
