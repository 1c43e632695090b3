package dev.cloister.benchmarks.attest;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
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
 * TDX quote verification. {@code realGenuineWarm}: the real v4 quote of go-tdx-guest (from {@code -Dcloister.vectors}),
 * PCK chain signatures remembered, no PCS collateral (QE report and attestation-key signatures each time).
 * {@code simCollateralWarm}: a simulated quote with its PCS collateral (CRLs, TCB info, QE identity), collateral
 * signatures and parsed JSON remembered by the verifier: the "cached collateral" case (target ≤ 3 ms).
 * {@code simCollateralCold}: the same with a new verifier each time (3 chain certificates, 2 issuer-chain certificates
 * ×2, 2 CRLs, 2 JSON signatures, QE report and quote signatures; JSON parsed).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TdxVerifyBenchmark {

    private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    private byte[] quote;
    private final TdxVerifier verifier = new TdxVerifier();
    private TdxEvidence simQuote;
    private TdxEndorsements simCollateral;
    private TdxPolicy simPolicy;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        quote = Files.readAllBytes(Path.of(System.getProperty("cloister.vectors", "testdata/vectors"))
                .resolve("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat"));
        Path dir = Files.createTempDirectory("sim-tdx");
        SimulatedTdxPlatform sim = SimulatedTdxPlatform.openOrCreate(dir, NOW, new SecureRandom());
        byte[] zero48 = new byte[48];
        simQuote = sim.quote(new byte[64], zero48, List.of(zero48, zero48, zero48, zero48), false);
        simCollateral = sim.endorsements(NOW);
        simPolicy = sim.insecurePolicy().withTcb(TdxPolicy.TcbStatusIn.upToDate());
    }

    @Benchmark
    public TdxClaims realGenuineWarm() throws AttestationException {
        return verifier.verify(
                NOW, TdxEvidence.of(quote), TdxEndorsements.embeddedPckChain(), TdxPolicy.genuineIntel());
    }

    @Benchmark
    public TdxClaims simCollateralWarm() throws AttestationException {
        return verifier.verify(NOW, simQuote, simCollateral, simPolicy);
    }

    @Benchmark
    public TdxClaims simCollateralCold() throws AttestationException {
        return new TdxVerifier().verify(NOW, simQuote, simCollateral, simPolicy);
    }
}
