package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;
import java.nio.charset.StandardCharsets;

/**
 * The reference values a release accepts for one GPU model: the digests of the NVIDIA driver and VBIOS reference
 * integrity manifests (RIMs) whose measurements the GPU evidence must match.
 * {@code struct { opaque model<1..255>; Digest driver_rim; Digest vbios_rim; }}. A release whose GPUs of one model
 * run several VBIOS versions names that model once per VBIOS RIM, each time with the same driver RIM.
 */
public record GpuReferenceValue(String model, Digest driverRim, Digest vbiosRim) {

    /**
     * The order of a release's GPU reference values: by model (UTF-8 bytes, unsigned), then by VBIOS RIM digest
     * (algorithm, then value, unsigned).
     */
    public static final java.util.Comparator<GpuReferenceValue> ORDER = (a, b) -> {
        int byModel = a.compareModel(b);
        if (byModel != 0) return byModel;
        int byAlgorithm = Integer.compare(a.vbiosRim.algorithm().id, b.vbiosRim.algorithm().id);
        if (byAlgorithm != 0) return byAlgorithm;
        return java.util.Arrays.compareUnsigned(
                a.vbiosRim.value().toByteArray(), b.vbiosRim.value().toByteArray());
    };

    public GpuReferenceValue {
        EnclaveRelease.checkText("GPU model", model);
    }

    void write(CanonicalWriter w) {
        w.string8(model);
        driverRim.write(w);
        vbiosRim.write(w);
    }

    static GpuReferenceValue read(CanonicalReader r) throws FormatException {
        String model = r.string8("GPU model");
        Digest driver = Digest.read(r, "driver RIM digest");
        Digest vbios = Digest.read(r, "VBIOS RIM digest");
        try {
            return new GpuReferenceValue(model, driver, vbios);
        } catch (IllegalArgumentException e) {
            throw new FormatException("while reading a GPU reference value: " + e.getMessage(), e);
        }
    }

    int compareModel(GpuReferenceValue o) {
        return java.util.Arrays.compareUnsigned(
                model.getBytes(StandardCharsets.UTF_8), o.model.getBytes(StandardCharsets.UTF_8));
    }
}
