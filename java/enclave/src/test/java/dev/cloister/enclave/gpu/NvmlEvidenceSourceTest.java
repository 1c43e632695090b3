package dev.cloister.enclave.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.attest.ratls.EvidenceSource;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.testing.FakeNvml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU evidence from NVML after the gate: a report per handshake with that handshake's nonce, or per interval. */
class NvmlEvidenceSourceTest {

    @TempDir
    Path dir;

    @TempDir
    static Path platformDir;

    private static EvidenceSource cpu;
    private final SecureRandom random = new SecureRandom();
    private FakeGpu fake;

    /** One simulated SEV-SNP platform for the class (its keys take seconds to make). */
    @BeforeAll
    static void platform() throws Exception {
        SecureRandom random = new SecureRandom();
        cpu = new SimulatedEvidenceSource(
                SimulatedSevSnpPlatform.openOrCreate(platformDir, FakeGpu.NOW.minusSeconds(3600), random),
                Optional.empty(),
                new byte[48],
                Duration.ZERO,
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                random);
    }

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeGpu(dir);
    }

    private GpuStartGate.Passed pass(GpuStartGate.Mode mode, Map<String, String> config) throws Exception {
        fake.configure(config);
        return new GpuStartGate(
                        new GpuStartGate.Requirements(1, GpuStartGate.CpuTee.SEV_SNP, mode, fake.gpu.insecurePolicy()),
                        new NvidiaGpuVerifier(),
                        () -> fake.freshness,
                        Clock.fixed(FakeGpu.NOW, ZoneOffset.UTC),
                        line -> {})
                .run(FakeNvml.library());
    }

    @Test
    void configuredOcspResponsesAreStapledToEveryReportAndVerify() throws Exception {
        GpuStartGate.Passed gate = pass(GpuStartGate.Mode.CONFIDENTIAL, Map.of());
        Path ocsp = dir.resolve("leaf.ocsp");
        Files.write(ocsp, fake.gpu.ocspResponse(FakeGpu.NOW, false));
        try (NvmlEvidenceSource source = new NvmlEvidenceSource(
                cpu, gate, Duration.ZERO, java.util.List.of(), java.util.List.of(ocsp), Clock.systemUTC(), random)) {
            EvidenceSource.GpuEvidence g = source.currentGpuEvidence().orElseThrow();
            EvidenceBundle.Entry stapled = g.ocsp().orElseThrow();
            assertEquals(EvidenceBundle.OCSP_RESPONSES, stapled.mediaType());
            // The stapled response verifies as a client requires it: signed by the GPU's CA, "good", at most 7 days
            // old.
            new NvidiaGpuVerifier()
                    .verify(
                            FakeGpu.NOW,
                            dev.cloister.attest.nvgpu.NvidiaGpuEvidence.of(
                                    g.report().value().toByteArray()),
                            dev.cloister.attest.nvgpu.NvidiaGpuEndorsements.ofPem(
                                            g.endorsements().value().toByteArray())
                                    .withOcspResponses(java.util.List.of(Files.readAllBytes(ocsp))),
                            // (the fake library answers a canned report: its nonce is not the one asked for)
                            fake.gpu.insecurePolicy().withOcsp(new dev.cloister.attest.RevocationCheck.Required()));
            // Replaced from outside: the next report staples the new file; a missing file fails the report.
            byte[] revoked = fake.gpu.ocspResponse(FakeGpu.NOW, true);
            Files.write(ocsp, revoked);
            assertNotEquals(
                    stapled.value().hex(),
                    source.currentGpuEvidence()
                            .orElseThrow()
                            .ocsp()
                            .orElseThrow()
                            .value()
                            .hex());
            Files.delete(ocsp);
            assertThrows(IOException.class, source::currentGpuEvidence);
        }
    }

    @Test
    void everyHandshakeGetsANewReportForItsOwnNonce() throws Exception {
        GpuStartGate.Passed gate = pass(GpuStartGate.Mode.CONFIDENTIAL, Map.of());
        int before = FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport");
        try (NvmlEvidenceSource source =
                new NvmlEvidenceSource(cpu, gate, Duration.ZERO, java.util.List.of(), Clock.systemUTC(), random)) {
            EvidenceSource.GpuEvidence a = source.currentGpuEvidence().orElseThrow();
            assertArrayEquals(a.freshness().nonce(), FakeNvml.lastNonce());
            EvidenceSource.GpuEvidence b = source.currentGpuEvidence().orElseThrow();
            assertArrayEquals(b.freshness().nonce(), FakeNvml.lastNonce());
            assertNotEquals(a.freshness(), b.freshness());
            assertEquals(before + 2, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
            assertEquals(EvidenceBundle.NVIDIA_SPDM_REPORT, a.report().mediaType());
            assertArrayEquals(
                    Files.readAllBytes(fake.report), a.report().value().toByteArray());
            assertArrayEquals(
                    Files.readAllBytes(fake.chain), a.endorsements().value().toByteArray());
        }
    }

    @Test
    void withARefreshIntervalOneReportServesUntilItEnds() throws Exception {
        GpuStartGate.Passed gate = pass(GpuStartGate.Mode.CONFIDENTIAL, Map.of());
        int before = FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport");
        Clock clock = Clock.fixed(Instant.parse("2026-12-01T00:00:10Z"), ZoneOffset.UTC);
        try (NvmlEvidenceSource source =
                new NvmlEvidenceSource(cpu, gate, Duration.ofMinutes(1), java.util.List.of(), clock, random)) {
            assertEquals(source.currentGpuEvidence(), source.currentGpuEvidence());
            assertEquals(before + 1, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
        }
    }

    @Test
    void aReportFailureAfterStartIsAnIoError() throws Exception {
        GpuStartGate.Passed gate = pass(GpuStartGate.Mode.CONFIDENTIAL, Map.of());
        try (NvmlEvidenceSource source =
                new NvmlEvidenceSource(cpu, gate, Duration.ZERO, java.util.List.of(), Clock.systemUTC(), random)) {
            Files.delete(fake.report);
            IOException e = assertThrows(IOException.class, source::currentGpuEvidence);
            assertEquals(true, e.getMessage().contains("NVML_ERROR_NOT_SUPPORTED"), e.getMessage());
        }
    }

    @Test
    void everyGpuIsServedWithItsOwnNonceChainAndOcspResponses() throws Exception {
        fake.configure(new java.util.HashMap<>(fake.secondGpu(fake.freshness.nonce())));
        GpuStartGate.Passed gate = new GpuStartGate(
                        new GpuStartGate.Requirements(
                                2, GpuStartGate.CpuTee.SEV_SNP, GpuStartGate.Mode.CONFIDENTIAL, fake.bothRoots()),
                        new NvidiaGpuVerifier(),
                        () -> fake.freshness,
                        Clock.fixed(FakeGpu.NOW, ZoneOffset.UTC),
                        line -> {})
                .run(FakeNvml.library());
        Path ocsp0 = Files.write(dir.resolve("gpu0.ocsp"), fake.gpu.ocspResponse(FakeGpu.NOW, false));
        Path ocsp1 = Files.write(dir.resolve("gpu1.ocsp"), fake.second().ocspResponse(FakeGpu.NOW, false));
        // The OCSP files are GPU 0's, then GPU 1's, as many for each.
        assertThrows(
                IllegalArgumentException.class,
                () -> new NvmlEvidenceSource(
                        cpu,
                        gate,
                        Duration.ZERO,
                        java.util.List.of(),
                        java.util.List.of(ocsp0, ocsp1, ocsp1),
                        Clock.systemUTC(),
                        random));
        int before = FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport");
        try (NvmlEvidenceSource source = new NvmlEvidenceSource(
                cpu,
                gate,
                Duration.ZERO,
                java.util.List.of(),
                java.util.List.of(ocsp0, ocsp1),
                Clock.systemUTC(),
                random)) {
            EvidenceSource.GpuEvidence g = source.currentGpuEvidence().orElseThrow();
            assertEquals(before + 2, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
            // GPU 1 was asked last, with its own nonce.
            assertArrayEquals(g.freshness().nonce(1), FakeNvml.lastNonce());
            assertEquals(1, g.additionalGpus().size());
            EvidenceBundle.GpuEntries second = g.additionalGpus().getFirst();
            assertArrayEquals(
                    Files.readAllBytes(fake.chain), g.endorsements().value().toByteArray());
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("chain-1.pem")),
                    second.endorsements().value().toByteArray());
            assertArrayEquals(
                    Files.readAllBytes(ocsp0),
                    new EvidenceBundle.GpuEntries(g.report(), g.endorsements(), g.ocsp())
                            .ocspResponses()
                            .getFirst());
            assertArrayEquals(Files.readAllBytes(ocsp1), second.ocspResponses().getFirst());
            // What REPORT_DATA commits to covers both reports.
            assertNotEquals(
                    g.report().value().hex(),
                    dev.cloister.base.Bytes.of(g.commitment()).hex());
        }
    }

    @Test
    void insecureEvidenceIsMarkedCcOff() throws Exception {
        GpuStartGate.Passed gate = pass(GpuStartGate.Mode.INSECURE_CC_OFF, Map.of("cc_feature", "0"));
        try (NvmlEvidenceSource source =
                new NvmlEvidenceSource(cpu, gate, Duration.ZERO, java.util.List.of(), Clock.systemUTC(), random)) {
            EvidenceSource.GpuEvidence g = source.currentGpuEvidence().orElseThrow();
            assertEquals(EvidenceBundle.NVIDIA_CC_OFF, g.report().mediaType());
            assertEquals(0, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
        }
    }
}
