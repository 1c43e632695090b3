package dev.cloister.infer.nvml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.FakeNvml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FFM binding against the fake libnvidia-ml.so.1: layouts as a C compiler lays out nvml.h, values, return codes. */
class NvmlTest {

    @TempDir
    Path dir;

    private Nvml open(Map<String, String> settings) throws NvmlException {
        FakeNvml.configure(dir, settings);
        return Nvml.open(FakeNvml.library(), Nvml.Access.READ_WRITE);
    }

    @Test
    void layoutsAreThoseOfTheCHeader() {
        assertEquals(FakeNvml.sizeOf("nvmlConfComputeSystemState_t"), Nvml.STATE.byteSize());
        assertEquals(FakeNvml.sizeOf("nvmlSystemConfComputeSettings_v1_t"), Nvml.SETTINGS_V1.byteSize());
        assertEquals(FakeNvml.sizeOf("nvmlConfComputeSystemCaps_t"), Nvml.CAPS.byteSize());
        assertEquals(FakeNvml.sizeOf("nvmlConfComputeMemSizeInfo_t"), Nvml.MEM_SIZE_INFO.byteSize());
        assertEquals(FakeNvml.sizeOf("nvmlConfComputeGpuAttestationReport_t"), Nvml.ATTESTATION_REPORT.byteSize());
        assertEquals(FakeNvml.sizeOf("nvmlConfComputeGpuCertificate_t"), Nvml.CERTIFICATE.byteSize());
        // The sizes the study read from nvml.h, and the settings version nvml.h computes from its size.
        assertEquals(12_332, Nvml.ATTESTATION_REPORT.byteSize());
        assertEquals(9_224, Nvml.CERTIFICATE.byteSize());
        assertEquals(0x01000014, Nvml.SETTINGS_V1_VERSION);
        for (String f : new String[] {
            "nvmlSystemConfComputeSettings_v1_t.multiGpuMode",
            "nvmlConfComputeMemSizeInfo_t.unprotectedMemSizeKib",
            "nvmlConfComputeGpuAttestationReport_t.nonce",
            "nvmlConfComputeGpuAttestationReport_t.attestationReport",
            "nvmlConfComputeGpuAttestationReport_t.cecAttestationReport",
            "nvmlConfComputeGpuCertificate_t.certChain",
            "nvmlConfComputeGpuCertificate_t.attestationCertChain"
        }) {
            String[] p = f.split("\\.");
            var layout = switch (p[0]) {
                case "nvmlSystemConfComputeSettings_v1_t" -> Nvml.SETTINGS_V1;
                case "nvmlConfComputeMemSizeInfo_t" -> Nvml.MEM_SIZE_INFO;
                case "nvmlConfComputeGpuAttestationReport_t" -> Nvml.ATTESTATION_REPORT;
                default -> Nvml.CERTIFICATE;
            };
            assertEquals(
                    FakeNvml.offsetOf(f),
                    layout.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(p[1])),
                    f);
        }
    }

    @Test
    void readsEveryValueTheFakeIsConfiguredWith() throws Exception {
        byte[] report = new byte[700];
        for (int i = 0; i < report.length; i++) report[i] = (byte) (i * 7);
        byte[] cec = {1, 2, 3};
        Path reportFile = Files.write(dir.resolve("report.bin"), report);
        Path cecFile = Files.write(dir.resolve("cec.bin"), cec);
        Path chain = Files.writeString(dir.resolve("chain.pem"), "-----BEGIN CERTIFICATE-----\nAA==\n");
        Map<String, String> c = new HashMap<>();
        c.put("environment", "1");
        c.put("cc_feature", "1");
        c.put("devtools", "1");
        c.put("multi_gpu", "1");
        c.put("cpu_caps", "2");
        c.put("gpus_caps", "1");
        c.put("ready", "0");
        c.put("architecture", "10");
        c.put("device_count", "2");
        c.put("protected_kib", "81920000");
        c.put("unprotected_kib", "12345");
        c.put("driver_version", "570.124.06");
        c.put("vbios_version", "97.00.0B.00.01");
        c.put("report_file", reportFile.toString());
        c.put("cec_report_file", cecFile.toString());
        c.put("cert_file", chain.toString());
        try (Nvml nvml = open(c)) {
            assertEquals("570.124.06", nvml.driverVersion());
            assertEquals(
                    new ConfCompute.Settings(
                            ConfCompute.Environment.SIM,
                            ConfCompute.Feature.ENABLED,
                            ConfCompute.DevToolsMode.ON,
                            ConfCompute.MultiGpuMode.PROTECTED_PCIE),
                    nvml.confComputeSettings());
            assertEquals(
                    new ConfCompute.State(
                            ConfCompute.Environment.SIM, ConfCompute.Feature.ENABLED, ConfCompute.DevToolsMode.ON),
                    nvml.confComputeState());
            assertEquals(
                    new ConfCompute.Capabilities(ConfCompute.CpuCaps.INTEL_TDX, ConfCompute.GpusCaps.CAPABLE),
                    nvml.confComputeCapabilities());
            assertEquals(ConfCompute.ReadyState.NOT_ACCEPTING, nvml.gpusReadyState());
            assertEquals(2, nvml.deviceCount());
            Nvml.Device d1 = nvml.device(1);
            assertEquals(DeviceArchitecture.BLACKWELL, nvml.architecture(d1));
            assertEquals("97.00.0B.00.01", nvml.vbiosVersion(d1));
            assertTrue(nvml.uuid(d1).startsWith("GPU-") && nvml.uuid(d1).endsWith("1"), nvml.uuid(d1));
            assertEquals(new ConfCompute.MemSizeInfo(81_920_000L, 12_345L), nvml.memSizeInfo(d1));
            byte[] nonce = new byte[32];
            for (int i = 0; i < 32; i++) nonce[i] = (byte) (0xA0 + i);
            GpuAttestationReport r = nvml.attestationReport(d1, nonce);
            assertArrayEquals(report, r.report().toByteArray());
            assertArrayEquals(cec, r.cecReport().orElseThrow().toByteArray());
            assertArrayEquals(nonce, FakeNvml.lastNonce(), "the nonce went in at offset 12");
            GpuCertificate cert = nvml.certificate(d1);
            assertArrayEquals(
                    Files.readAllBytes(chain), cert.attestationCertChain().toByteArray());
            nvml.setGpusReadyState(ConfCompute.ReadyState.ACCEPTING);
            assertEquals(ConfCompute.ReadyState.ACCEPTING, nvml.gpusReadyState());
            assertEquals(1, FakeNvml.setCalls());
        }
    }

    @Test
    void aFailedCallNamesTheFunctionAndTheCode() throws Exception {
        try (Nvml nvml = open(Map.of("rc.nvmlDeviceGetConfComputeGpuAttestationReport", "3"))) {
            Nvml.Device d = nvml.device(0);
            NvmlException e = assertThrows(NvmlException.class, () -> nvml.attestationReport(d, new byte[32]));
            assertEquals("nvmlDeviceGetConfComputeGpuAttestationReport", e.function());
            assertEquals(NvmlReturn.ERROR_NOT_SUPPORTED, e.returned());
            assertTrue(
                    e.getMessage()
                            .startsWith("nvmlDeviceGetConfComputeGpuAttestationReport returned "
                                    + "NVML_ERROR_NOT_SUPPORTED (3)"),
                    e.getMessage());
        }
    }

    @Test
    void anInitFailureIsTyped() {
        FakeNvml.configure(dir, Map.of("rc.nvmlInit_v2", "9"));
        NvmlException e = assertThrows(NvmlException.class, () -> Nvml.open(FakeNvml.library(), Nvml.Access.READ_ONLY));
        assertEquals("nvmlInit_v2", e.function());
        assertEquals(NvmlReturn.ERROR_DRIVER_NOT_LOADED, e.returned());
    }

    @Test
    void anAbsentLibraryIsLibraryNotFound() {
        NvmlException e = assertThrows(
                NvmlException.class, () -> Nvml.open(dir.resolve("libnvidia-ml.so.1"), Nvml.Access.READ_ONLY));
        assertEquals("dlopen", e.function());
        assertEquals(NvmlReturn.ERROR_LIBRARY_NOT_FOUND, e.returned());
    }

    @Test
    void aValueOutOfRangeIsRefused() throws Exception {
        try (Nvml nvml = open(Map.of("environment", "7", "architecture", "77"))) {
            NvmlException e = assertThrows(NvmlException.class, nvml::confComputeSettings);
            assertEquals("nvmlSystemGetConfComputeSettings", e.function());
            assertTrue(e.getMessage().contains("environment 7"), e.getMessage());
            assertThrows(NvmlException.class, () -> nvml.architecture(nvml.device(0)));
        }
    }

    @Test
    void aReadOnlyInstanceNeverCallsTheSetter() throws Exception {
        FakeNvml.configure(dir, Map.of());
        try (Nvml nvml = Nvml.open(FakeNvml.library(), Nvml.Access.READ_ONLY)) {
            NvmlException e =
                    assertThrows(NvmlException.class, () -> nvml.setGpusReadyState(ConfCompute.ReadyState.ACCEPTING));
            assertEquals(NvmlReturn.ERROR_NO_PERMISSION, e.returned());
        }
        assertEquals(0, FakeNvml.calls("nvmlSystemSetConfComputeGpusReadyState"));
    }

    @Test
    void theReadOnlyPropertyOverridesReadWrite() throws Exception {
        FakeNvml.configure(dir, Map.of());
        System.setProperty(Nvml.READ_ONLY_PROPERTY, "true");
        try (Nvml nvml = Nvml.open(FakeNvml.library(), Nvml.Access.READ_WRITE)) {
            assertEquals(Nvml.Access.READ_ONLY, nvml.access());
            assertThrows(NvmlException.class, () -> nvml.setGpusReadyState(ConfCompute.ReadyState.ACCEPTING));
        } finally {
            System.clearProperty(Nvml.READ_ONLY_PROPERTY);
        }
        assertEquals(0, FakeNvml.calls("nvmlSystemSetConfComputeGpusReadyState"));
    }

    @Test
    void anOversizedReportIsRefusedNotRead() throws Exception {
        // The fake refuses files larger than the buffer; a size field above the buffer never reaches a copy here.
        Path big = Files.write(dir.resolve("big.bin"), new byte[Nvml.REPORT_SIZE + 1]);
        try (Nvml nvml = open(Map.of("report_file", big.toString()))) {
            NvmlException e =
                    assertThrows(NvmlException.class, () -> nvml.attestationReport(nvml.device(0), new byte[32]));
            assertEquals(NvmlReturn.ERROR_NOT_SUPPORTED, e.returned());
            assertFalse(e.getMessage().isEmpty());
        }
    }

    @Test
    void theProbeRecordsEveryCallAndNeverSets() throws Exception {
        Path report = Files.write(dir.resolve("r.bin"), new byte[100]);
        Path chain = Files.writeString(dir.resolve("c.pem"), "x");
        FakeNvml.configure(
                dir,
                Map.of(
                        "cc_feature", "0",
                        "environment", "0",
                        "report_file", report.toString(),
                        "cert_file", chain.toString(),
                        "rc.nvmlSystemGetConfComputeGpusReadyState", "3"));
        Map<String, Object> r = NvmlProbe.probe(FakeNvml.library());
        String json = NvmlProbe.json(r);
        assertTrue(
                json.contains("\"nvmlSystemGetConfComputeSettings\":{\"rc\":\"NVML_SUCCESS\",\"code\":0,"
                        + "\"value\":\"Settings[environment=UNAVAILABLE, ccFeature=DISABLED"),
                json);
        assertTrue(
                json.contains("\"nvmlSystemGetConfComputeGpusReadyState\":{\"rc\":\"NVML_ERROR_NOT_SUPPORTED\""), json);
        assertTrue(json.contains("gpu0.nvmlDeviceGetConfComputeGpuAttestationReport"), json);
        assertEquals(0, FakeNvml.calls("nvmlSystemSetConfComputeGpusReadyState"));
        System.clearProperty(Nvml.READ_ONLY_PROPERTY);
    }
}
