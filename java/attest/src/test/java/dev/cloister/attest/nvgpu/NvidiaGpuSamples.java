package dev.cloister.attest.nvgpu;

import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** The real H100 sample of testdata/vectors/nvidia-gpu/nvtrust (report, chain, parsed.json). */
final class NvidiaGpuSamples {

    /** A fixed time inside every device certificate's validity (they end 9999-12-31). */
    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    private NvidiaGpuSamples() {}

    static Path dir() {
        return Vectors.dir("nvidia-gpu/nvtrust");
    }

    static byte[] report() {
        return NvidiaGpuEvidence.ofHex(new String(
                        Vectors.read(dir().resolve("hopperAttestationReport.txt")), StandardCharsets.US_ASCII))
                .report();
    }

    static byte[] chainPem() {
        return Vectors.read(dir().resolve("hopperCertChain.txt"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> expected() {
        return (Map<String, Object>) Json.parse(
                new String(Vectors.read(dir().resolve("hopperAttestationReport.parsed.json")), StandardCharsets.UTF_8));
    }
}
