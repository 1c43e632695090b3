package dev.cloister.attest.nvgpu;

import dev.cloister.attest.Claims;
import dev.cloister.attest.Platform;
import dev.cloister.attest.RootKind;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a verified GPU report establishes.
 *
 * @param root VENDOR (NVIDIA) or SIMULATED
 * @param rootSha256 fingerprint of the root the chain ended in
 * @param leafSubject subject of the signing (GSP FMC) certificate
 * @param driverVersion e.g. "550.90.07"
 * @param vbiosVersion e.g. "96.00.9f.00.01"
 * @param fwid the 48-byte firmware id bound to the leaf certificate
 * @param report the verified report
 */
public record NvidiaGpuClaims(
        RootKind root,
        String rootSha256,
        String leafSubject,
        String driverVersion,
        String vbiosVersion,
        Bytes fwid,
        SpdmMeasurements report)
        implements Claims {

    public byte[] nonce() {
        return report.requestNonce();
    }

    @Override
    public Platform platform() {
        return Platform.NVIDIA_GPU;
    }

    /** The board's project, project SKU and chip SKU as the report names them (e.g. "G520 0200 H100"), if it does. */
    public Optional<String> model() {
        String model = java.util.stream.Stream.of(NvidiaOpaque.PROJECT, NvidiaOpaque.PROJECT_SKU, NvidiaOpaque.CHIP_SKU)
                .map(report::opaque)
                .flatMap(Optional::stream)
                .map(NvidiaOpaque::ascii)
                .collect(java.util.stream.Collectors.joining(" "));
        return model.isBlank() ? Optional.empty() : Optional.of(model);
    }

    @Override
    public Map<String, Object> toJsonMap() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("root", root.name().toLowerCase(java.util.Locale.ROOT));
        j.put("root_sha256", rootSha256);
        j.put("leaf_subject", leafSubject);
        j.put("driver_version", driverVersion);
        j.put("vbios_version", vbiosVersion);
        j.put("nonce", Hex.format(report.requestNonce()));
        j.put("fwid", fwid.hex());
        report.opaque(NvidiaOpaque.PROJECT).ifPresent(v -> j.put("project", NvidiaOpaque.ascii(v)));
        report.opaque(NvidiaOpaque.PROJECT_SKU).ifPresent(v -> j.put("project_sku", NvidiaOpaque.ascii(v)));
        report.opaque(NvidiaOpaque.CHIP_SKU).ifPresent(v -> j.put("chip_sku", NvidiaOpaque.ascii(v)));
        report.opaque(NvidiaOpaque.NVDEC0_STATUS).ifPresent(v -> j.put("nvdec0", NvidiaOpaque.status(v)));
        report.opaque(NvidiaOpaque.PROTECTED_PCIE_STATUS)
                .ifPresent(v -> j.put("protected_pcie", NvidiaOpaque.status(v)));
        j.put(
                "multi_gpu_mode",
                report.opaque(NvidiaOpaque.FEATURE_FLAG)
                        .map(NvidiaOpaque::featureFlag)
                        .orElse("legacy (no FEATURE_FLAG)"));
        List<Object> blocks = report.blocks().stream()
                .map(b -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("index", b.index());
                    m.put("dmtf_type", b.dmtfType());
                    m.put("value", b.value().hex());
                    return (Object) m;
                })
                .toList();
        j.put("measurements", blocks);
        return j;
    }
}
