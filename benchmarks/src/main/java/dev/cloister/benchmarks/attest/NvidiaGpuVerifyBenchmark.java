package dev.cloister.benchmarks.attest;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * NVIDIA H100 SPDM report verification on one thread (issue 5 target: ≤ 3 ms with the chain cached), on the real
 * nvtrust sample from {@code -Dcloister.vectors} (default {@code testdata/vectors}). RIM comparison is not included
 * (no RIM matches this sample).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class NvidiaGpuVerifyBenchmark {

    private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    private byte[] report;
    private byte[] chain;
    private NvidiaGpuVerifier warm;
    private NvidiaGpuVerifier cold;
    private NvidiaGpuPolicy policy;

    @Setup(Level.Trial)
    public void setup() throws IOException, AttestationException {
        Path dir = Path.of(System.getProperty("cloister.vectors", "testdata/vectors"))
                .resolve("nvidia-gpu/nvtrust");
        report = NvidiaGpuEvidence.ofHex(
                        Files.readString(dir.resolve("hopperAttestationReport.txt"), StandardCharsets.US_ASCII))
                .report();
        chain = Files.readAllBytes(dir.resolve("hopperCertChain.txt"));
        warm = new NvidiaGpuVerifier();
        cold = new NvidiaGpuVerifier();
        policy = NvidiaGpuPolicy.genuineNvidia();
        gpuWarm();
    }

    /** New evidence and chain bytes per call (PEM decoded each time), the chain cached by fingerprint. */
    @Benchmark
    public NvidiaGpuClaims gpuWarm() throws AttestationException {
        return warm.verify(NOW, NvidiaGpuEvidence.of(report), NvidiaGpuEndorsements.ofPem(chain), policy);
    }

    /** Nothing cached: five certificates parsed and four ECDSA P-384 chain signatures plus the report's. */
    @Benchmark
    public NvidiaGpuClaims gpuCold() throws AttestationException {
        cold.clearCache();
        return cold.verify(NOW, NvidiaGpuEvidence.of(report), NvidiaGpuEndorsements.ofPem(chain), policy);
    }
}
