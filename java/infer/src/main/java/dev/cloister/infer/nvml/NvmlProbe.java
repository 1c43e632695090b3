package dev.cloister.infer.nvml;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records what every NVML call of this binding returns on this machine, as one JSON object on standard output:
 * {@code {"function": {"rc": "NVML_SUCCESS", "code": 0, "value": ...}, ...}}, the report and certificates by size and
 * SHA-256. Read-only: it opens NVML with {@link Nvml.Access#READ_ONLY} and sets {@value Nvml#READ_ONLY_PROPERTY}, so
 * no setter can run (the device checks run it on GPUs lent to them).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp cloister.jar dev.cloister.infer.nvml.NvmlProbe [LIBRARY]</pre>
 */
public final class NvmlProbe {

    private NvmlProbe() {}

    private interface Call {
        Object run() throws NvmlException;
    }

    public static void main(String[] args) {
        System.setProperty(Nvml.READ_ONLY_PROPERTY, "true");
        Path library = args.length > 0 ? Path.of(args[0]) : Nvml.DRIVER_LIBRARY;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(json(probe(library)));
    }

    /** Every call, in the order the start gate makes them (then the report and certificate of each GPU). */
    static Map<String, Object> probe(Path library) {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("library", library.toString());
        Nvml nvml;
        try {
            nvml = Nvml.open(library, Nvml.Access.READ_ONLY);
            results.put("nvmlInit_v2", result(0, null));
        } catch (NvmlException e) {
            results.put(e.function().equals("dlopen") ? "dlopen" : "nvmlInit_v2", failure(e));
            return results;
        }
        try (nvml) {
            record("nvmlSystemGetDriverVersion", results, nvml::driverVersion);
            record("nvmlSystemGetConfComputeSettings", results, nvml::confComputeSettings);
            record("nvmlSystemGetConfComputeState", results, nvml::confComputeState);
            record("nvmlSystemGetConfComputeCapabilities", results, nvml::confComputeCapabilities);
            record("nvmlSystemGetConfComputeGpusReadyState", results, nvml::gpusReadyState);
            Object count = record("nvmlDeviceGetCount_v2", results, nvml::deviceCount);
            int n = count instanceof Integer i ? i : 0;
            for (int index = 0; index < n; index++) {
                int at = index;
                String p = "gpu" + index + ".";
                Object handle = record(p + "nvmlDeviceGetHandleByIndex_v2", results, () -> nvml.device(at));
                if (!(handle instanceof Nvml.Device d)) {
                    continue;
                }
                record(p + "nvmlDeviceGetArchitecture", results, () -> nvml.architecture(d));
                record(p + "nvmlDeviceGetUUID", results, () -> nvml.uuid(d));
                record(p + "nvmlDeviceGetVbiosVersion", results, () -> nvml.vbiosVersion(d));
                record(p + "nvmlDeviceGetConfComputeMemSizeInfo", results, () -> nvml.memSizeInfo(d));
                byte[] nonce = new byte[32];
                new SecureRandom().nextBytes(nonce);
                record(p + "nvmlDeviceGetConfComputeGpuAttestationReport", results, () -> {
                    GpuAttestationReport r = nvml.attestationReport(d, nonce);
                    return "report " + r.report().length() + " bytes sha256 "
                            + sha256(r.report().toByteArray()) + ", cec "
                            + r.cecReport().map(c -> c.length() + " bytes").orElse("absent");
                });
                record(p + "nvmlDeviceGetConfComputeGpuCertificate", results, () -> {
                    GpuCertificate c = nvml.certificate(d);
                    return "certChain " + c.certChain().length() + " bytes, attestationCertChain "
                            + c.attestationCertChain().length() + " bytes sha256 "
                            + sha256(c.attestationCertChain().toByteArray());
                });
            }
        } catch (NvmlException e) {
            results.put("nvmlShutdown", failure(e));
        }
        return results;
    }

    private static Object record(String name, Map<String, Object> results, Call call) {
        try {
            Object v = call.run();
            results.put(name, result(0, v instanceof Nvml.Device ? v.toString() : v));
            return v;
        } catch (NvmlException e) {
            results.put(name, failure(e));
            return null;
        }
    }

    private static Map<String, Object> result(int code, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rc", NvmlReturn.of(code).headerName());
        m.put("code", code);
        if (value != null) {
            m.put("value", String.valueOf(value));
        }
        return m;
    }

    private static Map<String, Object> failure(NvmlException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rc", e.returned().headerName());
        m.put("code", e.code());
        m.put("message", e.getMessage());
        return m;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A minimal JSON writer for maps of strings, numbers and maps. */
    static String json(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            m.forEach((k, x) -> {
                if (b.length() > 1) b.append(',');
                b.append(json(String.valueOf(k))).append(':').append(json(x));
            });
            return b.append('}').toString();
        }
        if (v instanceof Number n) {
            return n.toString();
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : String.valueOf(v).toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
