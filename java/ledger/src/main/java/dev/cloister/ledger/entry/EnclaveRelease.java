package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * A published enclave release (entry type 0x01): what a client accepts as the software of a confidential VM.
 * <pre>
 * struct {
 *   opaque release<1..255>;                     // UTF-8 release name, e.g. "cloister-enclave 0.1.0"
 *   PlatformMeasurement measurements<1..16>;    // uint8 count; ascending platform id, one per platform
 *   GpuReferenceValue gpus<0..16>;              // uint8 count; ascending model (bytewise), no duplicates
 *   Digest image;                               // the CVM disk image
 *   opaque source_revision<1..255>;             // printable ASCII, e.g. a git commit id
 *   Digest build_recipe;                        // the reproducible build recipe
 * } EnclaveRelease;
 * </pre>
 */
public record EnclaveRelease(
        String release,
        List<PlatformMeasurement> measurements,
        List<GpuReferenceValue> gpus,
        Digest image,
        String sourceRevision,
        Digest buildRecipe)
        implements LedgerEntry {

    public static final int TYPE = 0x01;
    static final int MAX_LIST = 16;

    public EnclaveRelease {
        checkText("release name", release);
        checkText("source revision", sourceRevision);
        if (!sourceRevision.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("source revision is not printable ASCII without spaces");
        }
        measurements = List.copyOf(measurements);
        gpus = List.copyOf(gpus);
        if (measurements.isEmpty() || measurements.size() > MAX_LIST) {
            throw new IllegalArgumentException(measurements.size() + " platform measurements, want 1 to 16");
        }
        for (int i = 1; i < measurements.size(); i++) {
            if (measurements.get(i - 1).platformId() >= measurements.get(i).platformId()) {
                throw new IllegalArgumentException("platform measurements not in ascending platform order");
            }
        }
        if (gpus.size() > MAX_LIST) {
            throw new IllegalArgumentException(gpus.size() + " GPU reference values, want at most 16");
        }
        for (int i = 1; i < gpus.size(); i++) {
            if (gpus.get(i - 1).compareModel(gpus.get(i)) >= 0) {
                throw new IllegalArgumentException("GPU reference values not in ascending model order");
            }
        }
    }

    static void checkText(String what, String s) {
        int n = s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (n < 1 || n > 255) {
            throw new IllegalArgumentException(what + " of " + n + " bytes, want 1 to 255");
        }
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(what + " holds a control character");
        }
    }

    /** Whether this release lists exactly {@code m} for its platform. */
    public boolean measures(PlatformMeasurement m) {
        return measurements.contains(m);
    }

    @Override
    public byte[] encode() {
        CanonicalWriter w = LedgerEntry.header(TYPE).string8(release).u8(measurements.size());
        measurements.forEach(m -> m.write(w));
        w.u8(gpus.size());
        gpus.forEach(g -> g.write(w));
        image.write(w);
        w.string8(sourceRevision);
        buildRecipe.write(w);
        return LedgerEntry.finish(w);
    }

    static EnclaveRelease read(CanonicalReader r) throws FormatException {
        String release = r.string8("release name");
        int nm = r.u8("measurement count");
        if (nm < 1 || nm > MAX_LIST) {
            throw new FormatException("while reading an enclave release: " + nm + " measurements, want 1 to 16");
        }
        List<PlatformMeasurement> ms = new ArrayList<>(nm);
        for (int i = 0; i < nm; i++) {
            ms.add(PlatformMeasurement.read(r));
        }
        int ng = r.u8("GPU count");
        if (ng > MAX_LIST) {
            throw new FormatException("while reading an enclave release: " + ng + " GPU reference values, want <= 16");
        }
        List<GpuReferenceValue> gs = new ArrayList<>(ng);
        for (int i = 0; i < ng; i++) {
            gs.add(GpuReferenceValue.read(r));
        }
        Digest image = Digest.read(r, "image digest");
        String rev = r.string8("source revision");
        Digest recipe = Digest.read(r, "build recipe digest");
        return new EnclaveRelease(release, ms, gs, image, rev, recipe);
    }
}
