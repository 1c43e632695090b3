package dev.cloister.infer.nvml;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.cuda.global.nvml;
import org.bytedeco.cuda.nvml.nvmlConfComputeGpuAttestationReport_t;
import org.bytedeco.cuda.nvml.nvmlConfComputeGpuCertificate_t;
import org.bytedeco.cuda.nvml.nvmlConfComputeMemSizeInfo_t;
import org.bytedeco.cuda.nvml.nvmlConfComputeSystemCaps_t;
import org.bytedeco.cuda.nvml.nvmlConfComputeSystemState_t;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlSystemConfComputeSettings_v1_t;
import org.bytedeco.javacpp.BytePointer;

/**
 * The device check's second, independent binding (issue 17): the same NVML calls through the CUDA JavaCPP presets
 * ({@code org.bytedeco.cuda.global.nvml}), compared with {@link NvmlProbe}'s FFM results. Not a unit test (it needs a
 * GPU machine, and the presets load the CUDA runtime and {@code libcuda}); {@code native/gpu-cc-check.sh} runs it:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp TEST_CLASSPATH dev.cloister.infer.nvml.PresetsNvmlProbe</pre>
 *
 * Exit 0: both bindings returned the same codes and values; 1: they differ (listed); 2: the presets did not load.
 * Read-only: it calls no setter, and the FFM side runs with {@value Nvml#READ_ONLY_PROPERTY}.
 */
public final class PresetsNvmlProbe {

    private PresetsNvmlProbe() {}

    public static void main(String[] args) throws Exception {
        System.setProperty(Nvml.READ_ONLY_PROPERTY, "true");
        Path library = args.length > 0 ? Path.of(args[0]) : Nvml.DRIVER_LIBRARY;
        Map<String, Object> ffm = NvmlProbe.probe(library);
        Map<String, Object> presets;
        try {
            presets = probe();
        } catch (Throwable t) { // UnsatisfiedLinkError, ExceptionInInitializerError: what the presets could not load
            System.out.println("{\"ffm\":" + NvmlProbe.json(ffm) + ",\"presets-load-failure\":"
                    + NvmlProbe.json(t + (t.getCause() != null ? " caused by " + t.getCause() : "")) + "}");
            System.exit(2);
            return;
        }
        Map<String, Object> mismatches = new LinkedHashMap<>();
        for (String k : presets.keySet()) {
            Object a = compared(k, ffm.get(k));
            Object b = compared(k, presets.get(k));
            if (!Objects.equals(a, b)) {
                mismatches.put(k, "ffm " + a + " / presets " + b);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ffm", ffm);
        out.put("presets", presets);
        out.put("mismatches", mismatches);
        System.out.println(NvmlProbe.json(out));
        System.exit(mismatches.isEmpty() ? 0 : 1);
    }

    /** Reports differ per call (fresh nonce): compare their return codes only. */
    private static Object compared(String key, Object result) {
        if (key.endsWith("AttestationReport") && result instanceof Map<?, ?> m) {
            return m.get("rc");
        }
        return result;
    }

    private static Map<String, Object> result(int rc, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rc", NvmlReturn.of(rc).headerName());
        m.put("code", rc);
        if (rc == 0 && value != null) {
            m.put("value", String.valueOf(value));
        } else if (rc != 0) {
            m.put("message", "(presets)");
        }
        return m;
    }

    static Map<String, Object> probe() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        int rc = nvml.nvmlInit_v2();
        r.put("nvmlInit_v2", result(rc, null));
        if (rc != 0) {
            return r;
        }
        byte[] driver = new byte[Nvml.DRIVER_VERSION_BUFFER];
        rc = nvml.nvmlSystemGetDriverVersion(driver, driver.length);
        r.put("nvmlSystemGetDriverVersion", result(rc, cString(driver)));
        String f = "nvmlSystemGetConfComputeSettings";
        nvmlSystemConfComputeSettings_v1_t s = new nvmlSystemConfComputeSettings_v1_t();
        s.version(nvml.nvmlSystemConfComputeSettings_v1);
        rc = nvml.nvmlSystemGetConfComputeSettings(s);
        r.put(
                f,
                result(
                        rc,
                        rc != 0
                                ? null
                                : new ConfCompute.Settings(
                                        ConfCompute.value(
                                                ConfCompute.Environment.class, s.environment(), f, "environment"),
                                        ConfCompute.value(ConfCompute.Feature.class, s.ccFeature(), f, "ccFeature"),
                                        ConfCompute.value(
                                                ConfCompute.DevToolsMode.class, s.devToolsMode(), f, "devToolsMode"),
                                        ConfCompute.value(
                                                ConfCompute.MultiGpuMode.class, s.multiGpuMode(), f, "multiGpuMode"))));
        f = "nvmlSystemGetConfComputeState";
        nvmlConfComputeSystemState_t st = new nvmlConfComputeSystemState_t();
        rc = nvml.nvmlSystemGetConfComputeState(st);
        r.put(
                f,
                result(
                        rc,
                        rc != 0
                                ? null
                                : new ConfCompute.State(
                                        ConfCompute.value(
                                                ConfCompute.Environment.class, st.environment(), f, "environment"),
                                        ConfCompute.value(ConfCompute.Feature.class, st.ccFeature(), f, "ccFeature"),
                                        ConfCompute.value(
                                                ConfCompute.DevToolsMode.class,
                                                st.devToolsMode(),
                                                f,
                                                "devToolsMode"))));
        f = "nvmlSystemGetConfComputeCapabilities";
        nvmlConfComputeSystemCaps_t caps = new nvmlConfComputeSystemCaps_t();
        rc = nvml.nvmlSystemGetConfComputeCapabilities(caps);
        r.put(
                f,
                result(
                        rc,
                        rc != 0
                                ? null
                                : new ConfCompute.Capabilities(
                                        ConfCompute.value(ConfCompute.CpuCaps.class, caps.cpuCaps(), f, "cpuCaps"),
                                        ConfCompute.value(
                                                ConfCompute.GpusCaps.class, caps.gpusCaps(), f, "gpusCaps"))));
        int[] ready = new int[1];
        rc = nvml.nvmlSystemGetConfComputeGpusReadyState(ready);
        r.put(
                "nvmlSystemGetConfComputeGpusReadyState",
                result(
                        rc,
                        rc != 0
                                ? null
                                : ConfCompute.value(
                                        ConfCompute.ReadyState.class,
                                        ready[0],
                                        "nvmlSystemGetConfComputeGpusReadyState",
                                        "ready state")));
        int[] count = new int[1];
        rc = nvml.nvmlDeviceGetCount_v2(count);
        r.put("nvmlDeviceGetCount_v2", result(rc, count[0]));
        for (int i = 0; rc == 0 && i < count[0]; i++) {
            String p = "gpu" + i + ".";
            nvmlDevice_st d = new nvmlDevice_st();
            int hrc = nvml.nvmlDeviceGetHandleByIndex_v2(i, d);
            r.put(p + "nvmlDeviceGetHandleByIndex_v2", result(hrc, "GPU " + i));
            if (hrc != 0) {
                continue;
            }
            int[] arch = new int[1];
            int a = nvml.nvmlDeviceGetArchitecture(d, arch);
            r.put(p + "nvmlDeviceGetArchitecture", result(a, a != 0 ? null : DeviceArchitecture.of(arch[0])));
            byte[] uuid = new byte[Nvml.UUID_BUFFER];
            a = nvml.nvmlDeviceGetUUID(d, uuid, uuid.length);
            r.put(p + "nvmlDeviceGetUUID", result(a, cString(uuid)));
            byte[] vbios = new byte[Nvml.VBIOS_VERSION_BUFFER];
            a = nvml.nvmlDeviceGetVbiosVersion(d, vbios, vbios.length);
            r.put(p + "nvmlDeviceGetVbiosVersion", result(a, cString(vbios)));
            nvmlConfComputeMemSizeInfo_t mem = new nvmlConfComputeMemSizeInfo_t();
            a = nvml.nvmlDeviceGetConfComputeMemSizeInfo(d, mem);
            r.put(
                    p + "nvmlDeviceGetConfComputeMemSizeInfo",
                    result(a, new ConfCompute.MemSizeInfo(mem.protectedMemSizeKib(), mem.unprotectedMemSizeKib())));
            nvmlConfComputeGpuAttestationReport_t rep = new nvmlConfComputeGpuAttestationReport_t();
            rep.nonce().put(new byte[32]);
            a = nvml.nvmlDeviceGetConfComputeGpuAttestationReport(d, rep);
            r.put(
                    p + "nvmlDeviceGetConfComputeGpuAttestationReport",
                    result(a, "report " + rep.attestationReportSize() + " bytes"));
            nvmlConfComputeGpuCertificate_t cert = new nvmlConfComputeGpuCertificate_t();
            a = nvml.nvmlDeviceGetConfComputeGpuCertificate(d, cert);
            byte[] chain = bytes(cert.certChain(), cert.certChainSize());
            byte[] attestation = bytes(cert.attestationCertChain(), cert.attestationCertChainSize());
            r.put(
                    p + "nvmlDeviceGetConfComputeGpuCertificate",
                    result(
                            a,
                            "certChain " + chain.length
                                    + " bytes, attestationCertChain " + attestation.length + " bytes sha256 "
                                    + HexFormat.of()
                                            .formatHex(MessageDigest.getInstance("SHA-256")
                                                    .digest(attestation))));
        }
        nvml.nvmlShutdown();
        return r;
    }

    private static byte[] bytes(BytePointer p, int n) {
        byte[] b = new byte[Math.max(0, Math.min(n, (int) p.capacity() > 0 ? (int) p.capacity() : n))];
        p.get(b);
        return b;
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
