package dev.cloister.attest.sim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCSP responses for the GPU device chain (RFC 6960, supplied, no network), made by the simulated GPU's root: no real
 * NVIDIA OCSP response is among the vectors.
 */
class NvidiaOcspTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    @TempDir
    static Path dir;

    static SimulatedNvidiaGpu gpu;
    static NvidiaGpuEvidence report;

    @BeforeAll
    static void generate() throws Exception {
        SecureRandom random = new SecureRandom();
        gpu = SimulatedNvidiaGpu.openOrCreate(dir, NOW, random);
        byte[][] m = new byte[SimulatedNvidiaGpu.BLOCKS][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new byte[48];
        }
        report = gpu.report(new byte[32], m, random);
    }

    static void verify(NvidiaGpuEndorsements e) throws AttestationException {
        new NvidiaGpuVerifier().verify(NOW, report, e, gpu.insecurePolicy());
    }

    static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void aGoodCurrentResponseFromTheIssuerIsAccepted() throws Exception {
        verify(gpu.endorsements().withOcspResponses(List.of(gpu.ocspResponse(NOW, false))));
    }

    @Test
    void revokedStaleForeignOrTamperedResponsesAreRefused() throws Exception {
        refused(
                "while checking the GPU device certificates' OCSP responses: CN=Simulated GH100 GSP FMC LF",
                () -> verify(gpu.endorsements().withOcspResponses(List.of(gpu.ocspResponse(NOW, true)))));
        refused(
                "is revoked (OCSP",
                () -> verify(gpu.endorsements().withOcspResponses(List.of(gpu.ocspResponse(NOW, true)))));
        refused(
                "is not current",
                () -> verify(gpu.endorsements()
                        .withOcspResponses(List.of(gpu.ocspResponse(NOW.minus(Duration.ofDays(30)), false)))));
        SimulatedNvidiaGpu other =
                SimulatedNvidiaGpu.openOrCreate(Files.createTempDirectory(dir, "other"), NOW, new SecureRandom());
        refused(
                "signature does not verify with the issuer",
                () -> verify(gpu.endorsements().withOcspResponses(List.of(other.ocspResponse(NOW, false)))));
        byte[] tampered = gpu.ocspResponse(NOW, false);
        tampered[tampered.length - 5] ^= 1;
        refused("OCSP response for", () -> verify(gpu.endorsements().withOcspResponses(List.of(tampered))));
        refused(
                "OCSP responses (one per certificate below the root): expected 1, got 2",
                () -> gpu.endorsements().withOcspResponses(List.of(tampered, tampered)));
    }
}
