package dev.cloister.benchmarks.attest;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.sevsnp.AttestationReport;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.SevSnpVerifier;
import dev.cloister.attest.sim.SimulatedReportRequest;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
 * SEV-SNP report verification on one thread (issue 5 targets: ≤ 2 ms with the chain cached, ≤ 6 ms cold).
 * {@code realWarm}/{@code realCold}: the real Milan report of virtee/sev with its VCEK and KDS chain, from
 * {@code -Dcloister.vectors} (default {@code testdata/vectors}, relative to the working directory).
 * {@code simWarm}: a report of the simulated platform (same verifier path, a Genoa-format chain).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class SevSnpVerifyBenchmark {

    /** Inside the validity of every certificate in the samples. */
    private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    private byte[] report;
    private byte[] vcek;
    private byte[] askArk;
    private SevSnpPolicy policy;
    private SevSnpVerifier warm;
    private SevSnpVerifier cold;
    private AttestationVerifier entryPoint;
    private SimulatedSevSnpPlatform sim;
    private SevSnpEvidence simReport;
    private SevSnpEndorsements simEndorsements;
    private SevSnpPolicy simPolicy;

    @Setup(Level.Trial)
    public void setup() throws IOException, AttestationException {
        Path dir = Path.of(System.getProperty("cloister.vectors", "testdata/vectors"))
                .resolve("sev-snp");
        report = Files.readAllBytes(dir.resolve("virtee-sev/report_milan.bin"));
        vcek = Files.readAllBytes(dir.resolve("virtee-sev/vcek_milan.der"));
        askArk = Files.readAllBytes(dir.resolve("virtee-sev/cert_chain_milan"));
        // The published report's host runs with SMT on, which the default policy refuses.
        policy = SevSnpPolicy.genuineAmd().withSmt(SevSnpPolicy.Smt.ALLOWED);
        warm = new SevSnpVerifier();
        cold = new SevSnpVerifier();
        entryPoint = AttestationVerifier.create();
        Path simDir = Files.createTempDirectory("cloister-sim-bench");
        sim = SimulatedSevSnpPlatform.openOrCreate(simDir, NOW, new SecureRandom());
        simReport = sim.report(SimulatedReportRequest.of(new byte[64], new byte[48]));
        simEndorsements = sim.endorsements();
        simPolicy = sim.insecurePolicy();
        realWarm();
    }

    /** As a verifier receives it: new evidence and endorsement bytes each time, the chain cached by fingerprint. */
    @Benchmark
    public SevSnpClaims realWarm() throws AttestationException {
        return warm.verify(NOW, SevSnpEvidence.of(report), SevSnpEndorsements.of(vcek, askArk), policy);
    }

    /** Nothing cached: parse three certificates, three RSA-4096 PSS checks, one ECDSA P-384 check. */
    @Benchmark
    public SevSnpClaims realCold() throws AttestationException {
        cold.chains().clear();
        return cold.verify(NOW, SevSnpEvidence.of(report), SevSnpEndorsements.of(vcek, askArk), policy);
    }

    /** The library entry point, including the claims as JSON text (what the CLI prints). */
    @Benchmark
    public String realWarmEntryPointJson() throws AttestationException {
        AttestationResult r =
                entryPoint.verify(NOW, SevSnpEvidence.of(report), SevSnpEndorsements.of(vcek, askArk), policy);
        return r.toJson();
    }

    @Benchmark
    public SevSnpClaims simWarm() throws AttestationException {
        return warm.verify(NOW, simReport, simEndorsements, simPolicy);
    }

    /** Structure checks only (no signature): the cost of refusing garbage. */
    @Benchmark
    public AttestationReport parseOnly() throws AttestationException {
        return AttestationReport.parse(report);
    }
}
