package dev.cloister.enclave.gpu;

import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.base.Pem;
import dev.cloister.testing.FakeNvml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A confidential H100 as the fake libnvidia-ml.so.1 plays it: CC on in production, SEV-SNP, one Hopper GPU with
 * protected memory, not yet accepting work, and a report signed by the simulated GPU for one fixed freshness (the
 * fake cannot sign; the gate under test is given that freshness).
 */
final class FakeGpu {

    static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    final Path dir;
    final SimulatedNvidiaGpu gpu;
    final GpuFreshness freshness;
    final Path report;
    final Path chain;

    FakeGpu(Path dir) throws IOException {
        this.dir = dir;
        SecureRandom random = new SecureRandom();
        this.gpu = SimulatedNvidiaGpu.openOrCreate(dir.resolve("sim"), NOW.minusSeconds(3600), random);
        byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
        salt[0] = 7;
        this.freshness = new GpuFreshness(NOW, dev.cloister.base.Bytes.of(salt));
        this.report = Files.write(dir.resolve("report.bin"), reportFor(freshness.nonce(), random));
        StringBuilder pem = new StringBuilder();
        gpu.endorsements().chain().forEach(c -> pem.append(Pem.encode(Pem.CERTIFICATE, c)));
        this.chain = Files.writeString(dir.resolve("chain.pem"), pem, StandardCharsets.US_ASCII);
    }

    byte[] reportFor(byte[] nonce, SecureRandom random) {
        byte[][] blocks = new byte[64][48];
        for (int i = 0; i < blocks.length; i++) java.util.Arrays.fill(blocks[i], (byte) (i + 1));
        return gpu.report(nonce, blocks, random).report();
    }

    /**
     * A second confidential GPU (another simulated GPU, another root) as device 1 of the fake, with its report for
     * {@code nonce} and its chain.
     */
    Map<String, String> secondGpu(byte[] nonce) throws IOException {
        SimulatedNvidiaGpu other = second();
        SecureRandom random = new SecureRandom();
        byte[][] blocks = new byte[64][48];
        for (int i = 0; i < blocks.length; i++) java.util.Arrays.fill(blocks[i], (byte) (i + 1));
        Path r = Files.write(
                Files.createTempFile(dir, "report-1", ".bin"),
                other.report(nonce, blocks, random).report());
        StringBuilder pem = new StringBuilder();
        other.endorsements().chain().forEach(c -> pem.append(Pem.encode(Pem.CERTIFICATE, c)));
        Path c = Files.writeString(dir.resolve("chain-1.pem"), pem, StandardCharsets.US_ASCII);
        return Map.of("device_count", "2", "report_file.1", r.toString(), "cert_file.1", c.toString());
    }

    SimulatedNvidiaGpu second() throws IOException {
        return SimulatedNvidiaGpu.openOrCreate(dir.resolve("sim-2"), NOW.minusSeconds(3600), new SecureRandom());
    }

    /** A policy trusting the simulated roots of both GPUs. */
    dev.cloister.attest.nvgpu.NvidiaGpuPolicy bothRoots() throws IOException {
        return dev.cloister.attest.nvgpu.NvidiaGpuPolicy.genuineNvidia()
                .withTrustedRoots(java.util.List.of(gpu.root(), second().root()));
    }

    /** The healthy configuration with {@code overrides} applied. */
    Map<String, String> config(Map<String, String> overrides) {
        Map<String, String> c = new HashMap<>();
        c.put("environment", "2");
        c.put("cc_feature", "1");
        c.put("devtools", "0");
        c.put("multi_gpu", "0");
        c.put("cpu_caps", "3");
        c.put("gpus_caps", "1");
        c.put("ready", "0");
        c.put("architecture", "9");
        c.put("device_count", "1");
        c.put("report_file", report.toString());
        c.put("cert_file", chain.toString());
        c.putAll(overrides);
        return c;
    }

    void configure(Map<String, String> overrides) {
        FakeNvml.configure(dir, config(overrides));
    }
}
