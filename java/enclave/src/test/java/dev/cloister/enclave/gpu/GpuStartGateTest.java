package dev.cloister.enclave.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.infer.nvml.ConfCompute;
import dev.cloister.infer.nvml.Nvml;
import dev.cloister.testing.FakeNvml;
import dev.cloister.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The start gate against the fake libnvidia-ml.so.1: it passes a healthy CC GPU, and each step refuses on its own. */
class GpuStartGateTest {

    @TempDir
    Path dir;

    private FakeGpu fake;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeGpu(dir);
    }

    private GpuStartGate gate(GpuStartGate.Mode mode, NvidiaGpuPolicy policy, Instant now, int gpus) {
        return new GpuStartGate(
                new GpuStartGate.Requirements(gpus, GpuStartGate.CpuTee.SEV_SNP, mode, policy),
                new NvidiaGpuVerifier(),
                () -> fake.freshness,
                Clock.fixed(now, ZoneOffset.UTC),
                log::add);
    }

    private GpuStartGate gate() {
        return gate(GpuStartGate.Mode.CONFIDENTIAL, fake.gpu.insecurePolicy(), FakeGpu.NOW, 1);
    }

    private static ConfCompute.ReadyState readyState() throws Exception {
        try (Nvml nvml = Nvml.open(FakeNvml.library(), Nvml.Access.READ_ONLY)) {
            return nvml.gpusReadyState();
        }
    }

    @Test
    void aConfidentialGpuPassesAndOnlyThenAcceptsWork() throws Exception {
        fake.configure(Map.of());
        GpuStartGate.Passed p = gate().run(FakeNvml.library());
        try (Nvml ignored = p.nvml()) {
            assertEquals(GpuStartGate.Mode.CONFIDENTIAL, p.mode());
            assertEquals(1, p.gpus().size());
            assertTrue(p.gpus().getFirst().claims().isPresent());
            assertEquals(
                    HexFormat.of().formatHex(fake.freshness.nonce()),
                    HexFormat.of().formatHex(FakeNvml.lastNonce()));
            assertEquals(1, FakeNvml.setCalls());
            // The gate read the state back after setting it, and the setter came after the report.
            assertEquals(2, FakeNvml.calls("nvmlSystemGetConfComputeGpusReadyState"));
        }
        assertEquals(ConfCompute.ReadyState.ACCEPTING, readyState());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("GPU start gate passed in ")), log::toString);
        // The start log's timing on the fake library, printed for the record (not asserted: no timed tests).
        System.out.println("fake NVML: " + p.elapsed().toMillis() + " ms for the gate, "
                + p.reportLatency().toNanos() / 1000 + " µs for the attestation report call and its verification");
    }

    @Test
    void gpusAlreadyAcceptingAreNotSetAgain() throws Exception {
        fake.configure(Map.of("ready", "1"));
        gate().run(FakeNvml.library()).nvml().close();
        assertEquals(0, FakeNvml.setCalls());
    }

    @Test
    void anOlderDriverWithoutTheSettingsStructFallsBackToTheState() throws Exception {
        fake.configure(Map.of("rc.nvmlSystemGetConfComputeSettings", "13"));
        gate().run(FakeNvml.library()).nvml().close();
        assertEquals(1, FakeNvml.calls("nvmlSystemGetConfComputeState"));
        fake.configure(Map.of("rc.nvmlSystemGetConfComputeSettings", "25", "cc_feature", "0"));
        GpuGateRefusal r = assertThrows(GpuGateRefusal.class, () -> gate().run(FakeNvml.library()));
        assertTrue(r.getMessage().contains("ccFeature=0"), r.getMessage());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(
                        Map.of("rc.nvmlInit_v2", "9"), GpuStartGate.Step.LOAD_NVML, "NVML_ERROR_DRIVER_NOT_LOADED"),
                Arguments.of(
                        Map.of("cc_feature", "0", "environment", "0"), GpuStartGate.Step.CC_SETTINGS, "ccFeature=0"),
                Arguments.of(Map.of("environment", "1"), GpuStartGate.Step.CC_SETTINGS, "not PROD"),
                Arguments.of(Map.of("devtools", "1"), GpuStartGate.Step.CC_SETTINGS, "devToolsMode=1"),
                Arguments.of(Map.of("multi_gpu", "1"), GpuStartGate.Step.CC_SETTINGS, "multiGpuMode=1"),
                Arguments.of(Map.of("multi_gpu", "2"), GpuStartGate.Step.CC_SETTINGS, "NVLE is not supported"),
                Arguments.of(
                        Map.of("rc.nvmlSystemGetConfComputeSettings", "2"),
                        GpuStartGate.Step.CC_SETTINGS,
                        "NVML_ERROR_INVALID_ARGUMENT"),
                Arguments.of(Map.of("gpus_caps", "0"), GpuStartGate.Step.CC_CAPABILITIES, "gpusCaps=0"),
                Arguments.of(Map.of("cpu_caps", "2"), GpuStartGate.Step.CC_CAPABILITIES, "INTEL_TDX"),
                Arguments.of(Map.of("cpu_caps", "0"), GpuStartGate.Step.CC_CAPABILITIES, "cpuCaps=0"),
                Arguments.of(Map.of("device_count", "2"), GpuStartGate.Step.DEVICES, "2 GPU(s)"),
                Arguments.of(Map.of("device_count", "0"), GpuStartGate.Step.DEVICES, "0 GPU(s)"),
                Arguments.of(Map.of("architecture", "7"), GpuStartGate.Step.DEVICES, "AMPERE"),
                Arguments.of(Map.of("protected_kib", "0"), GpuStartGate.Step.DEVICES, "protectedMemSizeKib=0"),
                Arguments.of(
                        Map.of("rc.nvmlDeviceGetConfComputeMemSizeInfo", "3"),
                        GpuStartGate.Step.DEVICES,
                        "NVML_ERROR_NOT_SUPPORTED"),
                Arguments.of(
                        Map.of("rc.nvmlDeviceGetConfComputeGpuAttestationReport", "3"),
                        GpuStartGate.Step.SELF_ATTESTATION,
                        "nvmlDeviceGetConfComputeGpuAttestationReport returned NVML_ERROR_NOT_SUPPORTED"),
                Arguments.of(
                        Map.of("rc.nvmlDeviceGetConfComputeGpuCertificate", "3"),
                        GpuStartGate.Step.SELF_ATTESTATION,
                        "nvmlDeviceGetConfComputeGpuCertificate"),
                Arguments.of(
                        Map.of("rc.nvmlSystemGetConfComputeGpusReadyState", "3"),
                        GpuStartGate.Step.READY_STATE,
                        "NVML_ERROR_NOT_SUPPORTED"),
                Arguments.of(
                        Map.of("rc.nvmlSystemSetConfComputeGpusReadyState", "4"),
                        GpuStartGate.Step.READY_STATE,
                        "NVML_ERROR_NO_PERMISSION"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void eachStepRefusesWithItsReasonAndTheGpusStayNotAccepting(
            Map<String, String> config, GpuStartGate.Step step, String reason) throws Exception {
        fake.configure(config);
        GpuGateRefusal r = assertThrows(GpuGateRefusal.class, () -> gate().run(FakeNvml.library()));
        assertEquals(step, r.step(), r.getMessage());
        assertTrue(r.getMessage().contains(reason), r.getMessage());
        assertEquals(0, FakeNvml.setCalls(), "a refused gate set the ready state");
        if (!config.containsKey("rc.nvmlSystemGetConfComputeGpusReadyState") && !config.containsKey("rc.nvmlInit_v2")) {
            assertEquals(ConfCompute.ReadyState.NOT_ACCEPTING, readyState());
        }
    }

    @Test
    void anAbsentLibraryRefusesTheFirstStep() {
        GpuGateRefusal r =
                assertThrows(GpuGateRefusal.class, () -> gate().run(dir.resolve("absent/libnvidia-ml.so.1")));
        assertEquals(GpuStartGate.Step.LOAD_NVML, r.step());
        assertTrue(r.getMessage().contains("NVML_ERROR_LIBRARY_NOT_FOUND"), r.getMessage());
    }

    @Test
    void aReportForAnotherNonceIsRefused() throws Exception {
        byte[] other = new byte[32];
        other[31] = 1;
        Path stale = Files.write(dir.resolve("stale.bin"), fake.reportFor(other, new java.security.SecureRandom()));
        fake.configure(Map.of("report_file", stale.toString()));
        GpuGateRefusal r = assertThrows(GpuGateRefusal.class, () -> gate().run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("nonce"), r.getMessage());
        assertEquals(0, FakeNvml.setCalls());
    }

    @Test
    void theRealH100ReportWithANonceItWasNotMadeForIsRefused() throws Exception {
        Path vectors = Vectors.dir("nvidia-gpu/nvtrust");
        byte[] report = HexFormat.of()
                .parseHex(Files.readString(vectors.resolve("hopperAttestationReport.txt"))
                        .replaceAll("\\s", ""));
        Path reportFile = Files.write(dir.resolve("h100.bin"), report);
        fake.configure(Map.of(
                "report_file",
                reportFile.toString(),
                "cert_file",
                vectors.resolve("hopperCertChain.txt").toString()));
        // NVIDIA's real Device Identity CA; a time inside the real chain's validity.
        GpuStartGate real = gate(
                GpuStartGate.Mode.CONFIDENTIAL,
                NvidiaGpuPolicy.genuineNvidia(),
                Instant.parse("2026-11-28T00:00:00Z"),
                1);
        GpuGateRefusal r = assertThrows(GpuGateRefusal.class, () -> real.run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("nonce"), r.getMessage());
        assertEquals(0, FakeNvml.setCalls());
    }

    @Test
    void aChainFromAnUntrustedRootIsRefused() throws Exception {
        fake.configure(Map.of());
        GpuStartGate genuineOnly =
                gate(GpuStartGate.Mode.CONFIDENTIAL, NvidiaGpuPolicy.genuineNvidia(), FakeGpu.NOW, 1);
        GpuGateRefusal r = assertThrows(GpuGateRefusal.class, () -> genuineOnly.run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("not a root this policy trusts"), r.getMessage());
    }

    @Test
    void insecureModeSkipsTheCcChecksSaysSoAndNeverSetsTheReadyState() throws Exception {
        fake.configure(Map.of(
                "cc_feature",
                "0",
                "environment",
                "0",
                "architecture",
                "7",
                "rc.nvmlDeviceGetConfComputeGpuAttestationReport",
                "3"));
        GpuStartGate.Passed p = gate(GpuStartGate.Mode.INSECURE_CC_OFF, fake.gpu.insecurePolicy(), FakeGpu.NOW, 1)
                .run(FakeNvml.library());
        p.nvml().close();
        assertEquals(GpuStartGate.Mode.INSECURE_CC_OFF, p.mode());
        assertEquals(0, FakeNvml.setCalls());
        assertEquals(0, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("WARNING: --insecure-gpu-cc-off")), log::toString);
    }

    private java.util.HashMap<String, String> twoGpus() throws Exception {
        return new java.util.HashMap<>(fake.secondGpu(fake.freshness.nonce()));
    }

    @Test
    void twoConfidentialGpusEachAttestBeforeEitherAcceptsWork() throws Exception {
        fake.configure(twoGpus());
        GpuStartGate.Passed p = gate(GpuStartGate.Mode.CONFIDENTIAL, fake.bothRoots(), FakeGpu.NOW, 2)
                .run(FakeNvml.library());
        try (Nvml ignored = p.nvml()) {
            assertEquals(2, p.gpus().size());
            assertTrue(p.gpus().stream().allMatch(g -> g.claims().isPresent()));
            assertEquals(2, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
            assertEquals(1, FakeNvml.setCalls());
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("(2 GPU(s)")), log::toString);
    }

    @Test
    void theSameGpuShownTwiceIsRefused() throws Exception {
        // Both devices answer with GPU 0's report and chain: each passes alone, but they are one GPU.
        fake.configure(Map.of("device_count", "2"));
        GpuGateRefusal r = assertThrows(
                GpuGateRefusal.class,
                () -> gate(GpuStartGate.Mode.CONFIDENTIAL, fake.bothRoots(), FakeGpu.NOW, 2)
                        .run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("GPU 0 and GPU 1 are the same GPU"), r.getMessage());
        assertEquals(0, FakeNvml.setCalls());
        assertEquals(ConfCompute.ReadyState.NOT_ACCEPTING, readyState());
    }

    @Test
    void twoGpusWithOneUuidAreRefused() throws Exception {
        java.util.HashMap<String, String> c = twoGpus();
        c.put("uuid.1", "GPU-fa4e0000-0000-0000-0000-000000000000");
        fake.configure(c);
        GpuGateRefusal r = assertThrows(
                GpuGateRefusal.class,
                () -> gate(GpuStartGate.Mode.CONFIDENTIAL, fake.bothRoots(), FakeGpu.NOW, 2)
                        .run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.DEVICES, r.step());
        assertTrue(r.getMessage().contains("has the UUID of another GPU"), r.getMessage());
        assertEquals(0, FakeNvml.calls("nvmlDeviceGetConfComputeGpuAttestationReport"));
    }

    @Test
    void oneOfTwoGpusFailingItsSelfAttestationRefusesBoth() throws Exception {
        byte[] other = new byte[32];
        other[0] = 1;
        fake.configure(new java.util.HashMap<>(fake.secondGpu(other)));
        GpuGateRefusal r = assertThrows(
                GpuGateRefusal.class,
                () -> gate(GpuStartGate.Mode.CONFIDENTIAL, fake.bothRoots(), FakeGpu.NOW, 2)
                        .run(FakeNvml.library()));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("GPU 1's evidence was refused"), r.getMessage());
        assertTrue(r.getMessage().contains("nonce"), r.getMessage());
        assertEquals(0, FakeNvml.setCalls());
        // And a second GPU whose root the enclave does not trust.
        fake.configure(twoGpus());
        GpuGateRefusal untrusted = assertThrows(
                GpuGateRefusal.class,
                () -> gate(GpuStartGate.Mode.CONFIDENTIAL, fake.gpu.insecurePolicy(), FakeGpu.NOW, 2)
                        .run(FakeNvml.library()));
        assertTrue(untrusted.getMessage().contains("GPU 1's evidence was refused"), untrusted.getMessage());
    }

    @Test
    void moreGpusThanOneEvidenceBundleCarriesAreAUsageError() {
        IllegalArgumentException x = assertThrows(
                IllegalArgumentException.class,
                () -> new GpuStartGate.Requirements(
                        9, GpuStartGate.CpuTee.SEV_SNP, GpuStartGate.Mode.CONFIDENTIAL, fake.gpu.insecurePolicy()));
        assertTrue(x.getMessage().contains("between 1 and 8"), x.getMessage());
        dev.cloister.server.command.UsageException u = assertThrows(
                dev.cloister.server.command.UsageException.class,
                () -> GpuStartOptions.of(
                        "sim",
                        "nvml",
                        9,
                        FakeNvml.library(),
                        null,
                        java.time.Duration.ZERO,
                        false,
                        dir.resolve("no-marker")));
        assertTrue(u.getMessage().contains("between 1 and 8"), u.getMessage());
    }

    private GpuStartOptions withRims(Path rims) {
        return GpuStartOptions.of(
                "sim", "nvml", 1, FakeNvml.library(), rims, java.time.Duration.ZERO, false, dir.resolve("no-marker"));
    }

    @Test
    void gpuRimsWhoseSignersExpiredRefuseTheGateBeforeNvmlIsAsked() throws Exception {
        Path rims = Files.createDirectories(dir.resolve("rims"));
        Path vectors = Vectors.dir("nvidia-gpu/nvtrust/rims");
        for (String f : List.of("1010_0200_882_96005E0001_PROD.swidtag", "1010_0200_882_96005E0003_PROD.swidtag")) {
            Files.copy(vectors.resolve(f), rims.resolve(f));
        }
        fake.configure(Map.of());
        GpuGateRefusal r = assertThrows(
                GpuGateRefusal.class,
                () -> withRims(rims).runGate(Clock.systemUTC(), new java.security.SecureRandom(), log::add));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("the RIMs of --gpu-rims are unusable"), r.getMessage());
        assertEquals(0, FakeNvml.calls("nvmlInit_v2"));
    }

    @Test
    void oneRimIsNotEnoughForTheGate() throws Exception {
        Path rims = Files.createDirectories(dir.resolve("rims1"));
        Files.copy(
                Vectors.dir("nvidia-gpu/nvtrust/rims").resolve("1010_0200_882_96005E0001_PROD.swidtag"),
                rims.resolve("a.swidtag"));
        fake.configure(Map.of());
        // Verified at a time inside the RIM signer's validity: refused because a VBIOS RIM alone cannot cover the
        // driver.
        Clock rimTime = Clock.fixed(Instant.parse("2024-06-01T00:00:00Z"), ZoneOffset.UTC);
        GpuGateRefusal r = assertThrows(
                GpuGateRefusal.class,
                () -> withRims(rims).runGate(rimTime, new java.security.SecureRandom(), log::add));
        assertEquals(GpuStartGate.Step.SELF_ATTESTATION, r.step());
        assertTrue(r.getMessage().contains("a driver RIM and a VBIOS RIM are needed"), r.getMessage());
    }
}
