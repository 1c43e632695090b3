package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a release key vouches for (the body of a {@link SignedRelease}, version 2 or 3 of the release format): the
 * software of a confidential VM, the time it may be used, the platform options it needs, its measurements per VM shape
 * and, for TDX, per host platform, and how many confidential GPUs it runs on.
 * <pre>
 * struct {
 *   opaque release&lt;1..255&gt;;                   // UTF-8 release name
 *   uint64 not_before;                          // POSIX seconds, inclusive
 *   uint64 not_after;                           // POSIX seconds, exclusive; not_before &lt; not_after
 *   uint8 max_vmpl;                             // 0..3: the highest VMPL an SEV-SNP report may come from
 *   uint8 smt_allowed;                          // 0 or 1: whether an SEV-SNP host may run SMT
 *   SnpShape snp_shapes&lt;0..64&gt;;               // uint8 count; strictly ascending (vcpus, guest_features)
 *   TdxRuntime tdx&lt;0..1&gt;;                      // uint8 count; RTMR1 and RTMR2
 *   TdxPlatform tdx_platforms&lt;0..16&gt;;         // version 3 only: uint8 count; strictly ascending platform
 *   GpuReferenceValue gpus&lt;0..16&gt;;             // uint8 count; strictly ascending (model, vbios_rim); a model
 *                                               // may appear once per VBIOS RIM (a fleet of one model mixes
 *                                               // VBIOS versions), always with the same driver_rim
 *   uint8 gpu_count;                            // version 3 only: 0..8, exactly how many GPUs the enclave attests,
 *                                               // 0 exactly when gpus is empty (version 2: 1 when gpus names
 *                                               // reference values, else 0)
 *   ImageDigest images&lt;1..16&gt;;                 // uint8 count; strictly ascending name
 *   opaque launch_description&lt;0..2^16-1&gt;;      // the launch description JSON (UTF-8), empty if none
 *   opaque source_revision&lt;1..255&gt;;           // printable ASCII without spaces
 *   Digest build_recipe;
 * } ReleaseManifest;
 * </pre>
 * At least one SEV-SNP shape or the TDX registers must be present. Version 3 adds the TDX registers each host platform
 * fixes (MRTD and RTMR0), which need the release's RTMR1 and RTMR2 with them, and the GPU count. A manifest that
 * version 2 can say (no TDX platforms, and one GPU with reference values or none without) is written as version 2, so
 * that one manifest has one encoding; a version 3 entry that version 2 could have said is refused.
 *
 * <p>One canonical constructor; a manifest that differs in one part is made with a wither ({@link #withGpus} and the
 * others), which checks the result as the constructor does.
 */
public record ReleaseManifest(
        String release,
        Instant notBefore,
        Instant notAfter,
        int maxVmpl,
        boolean smtAllowed,
        List<SnpShape> snpShapes,
        Optional<TdxRuntime> tdx,
        List<TdxPlatform> tdxPlatforms,
        List<GpuReferenceValue> gpus,
        int gpuCount,
        List<ImageDigest> images,
        Bytes launchDescription,
        String sourceRevision,
        Digest buildRecipe) {

    /** The most SEV-SNP shapes one release names. */
    public static final int MAX_SHAPES = 64;
    /** The most GPUs one release runs on (what one evidence bundle carries). */
    public static final int MAX_GPU_COUNT = 8;

    /** The GPU count a version 2 manifest implies: one GPU when it names GPU reference values, otherwise none. */
    public static int defaultGpuCount(List<GpuReferenceValue> gpus) {
        return gpus.isEmpty() ? 0 : 1;
    }

    public ReleaseManifest {
        EnclaveRelease.checkText("release name", release);
        LedgerEntry.checkSeconds("not_before", notBefore);
        LedgerEntry.checkSeconds("not_after", notAfter);
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("validity " + notBefore + " .. " + notAfter + " is empty");
        }
        if (maxVmpl < 0 || maxVmpl > 3) {
            throw new IllegalArgumentException("maximum VMPL " + maxVmpl + ", want 0 to 3");
        }
        snpShapes = List.copyOf(snpShapes);
        if (snpShapes.size() > MAX_SHAPES) {
            throw new IllegalArgumentException(snpShapes.size() + " SEV-SNP shapes, want at most " + MAX_SHAPES);
        }
        for (int i = 1; i < snpShapes.size(); i++) {
            if (SnpShape.ORDER.compare(snpShapes.get(i - 1), snpShapes.get(i)) >= 0) {
                throw new IllegalArgumentException("SEV-SNP shapes not in strictly ascending (vCPUs, guest features)");
            }
        }
        if (snpShapes.isEmpty() && tdx.isEmpty()) {
            throw new IllegalArgumentException("a release needs an SEV-SNP shape or the TDX registers");
        }
        tdxPlatforms = List.copyOf(tdxPlatforms);
        if (tdxPlatforms.size() > EnclaveRelease.MAX_LIST) {
            throw new IllegalArgumentException(tdxPlatforms.size() + " TDX platforms, want at most 16");
        }
        for (int i = 1; i < tdxPlatforms.size(); i++) {
            if (tdxPlatforms.get(i - 1).comparePlatform(tdxPlatforms.get(i)) >= 0) {
                throw new IllegalArgumentException("TDX platforms not in strictly ascending name order");
            }
        }
        if (!tdxPlatforms.isEmpty() && tdx.isEmpty()) {
            throw new IllegalArgumentException("TDX platforms without the release's RTMR1 and RTMR2");
        }
        gpus = List.copyOf(gpus);
        if (gpuCount < 0 || gpuCount > MAX_GPU_COUNT) {
            throw new IllegalArgumentException("GPU count " + gpuCount + ", want 0 to " + MAX_GPU_COUNT);
        }
        if (gpuCount == 0 && !gpus.isEmpty()) {
            throw new IllegalArgumentException("GPU reference values for a release on no GPU (gpu_count 0)");
        }
        if (gpuCount > 0 && gpus.isEmpty()) {
            throw new IllegalArgumentException("a release on " + gpuCount
                    + " GPUs names no GPU reference values (its GPUs would be appraised against other releases' RIMs)");
        }
        if (gpus.size() > EnclaveRelease.MAX_LIST) {
            throw new IllegalArgumentException(gpus.size() + " GPU reference values, want at most 16");
        }
        for (int i = 1; i < gpus.size(); i++) {
            GpuReferenceValue before = gpus.get(i - 1);
            GpuReferenceValue next = gpus.get(i);
            if (GpuReferenceValue.ORDER.compare(before, next) >= 0) {
                throw new IllegalArgumentException(
                        "GPU reference values not in strictly ascending (model, VBIOS RIM) order");
            }
            if (before.model().equals(next.model()) && !before.driverRim().equals(next.driverRim())) {
                throw new IllegalArgumentException("GPU model " + next.model()
                        + " names two driver RIMs (one driver per model; several VBIOS RIMs may share it)");
            }
        }
        images = List.copyOf(images);
        if (images.isEmpty() || images.size() > EnclaveRelease.MAX_LIST) {
            throw new IllegalArgumentException(images.size() + " image digests, want 1 to 16");
        }
        for (int i = 1; i < images.size(); i++) {
            if (images.get(i - 1).compareName(images.get(i)) >= 0) {
                throw new IllegalArgumentException("image digests not in strictly ascending name order");
            }
        }
        if (launchDescription.length() > 0xffff) {
            throw new IllegalArgumentException("launch description of " + launchDescription.length() + " bytes");
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(launchDescription.asReadOnlyBuffer());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("launch description is not UTF-8");
        }
        EnclaveRelease.checkText("source revision", sourceRevision);
        if (!sourceRevision.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("source revision is not printable ASCII without spaces");
        }
    }

    public ReleaseManifest withRelease(String name) {
        return new ReleaseManifest(
                name,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    /** This manifest valid from {@code from} (inclusive) to {@code until} (exclusive). */
    public ReleaseManifest withValidity(Instant from, Instant until) {
        return new ReleaseManifest(
                release,
                from,
                until,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withMaxVmpl(int vmpl) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                vmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withSmtAllowed(boolean smt) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smt,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withSnpShapes(List<SnpShape> shapes) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                shapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    /** This manifest with the TDX registers {@code runtime} and the host platforms {@code platforms}. */
    public ReleaseManifest withTdx(Optional<TdxRuntime> runtime, List<TdxPlatform> platforms) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                runtime,
                platforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    /** This manifest on {@code count} GPUs with the reference values {@code referenceValues}. */
    public ReleaseManifest withGpus(List<GpuReferenceValue> referenceValues, int count) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                referenceValues,
                count,
                images,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withImages(List<ImageDigest> digests) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                digests,
                launchDescription,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withLaunchDescription(Bytes description) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                description,
                sourceRevision,
                buildRecipe);
    }

    public ReleaseManifest withSourceRevision(String revision) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                revision,
                buildRecipe);
    }

    public ReleaseManifest withBuildRecipe(Digest recipe) {
        return new ReleaseManifest(
                release,
                notBefore,
                notAfter,
                maxVmpl,
                smtAllowed,
                snpShapes,
                tdx,
                tdxPlatforms,
                gpus,
                gpuCount,
                images,
                launchDescription,
                sourceRevision,
                recipe);
    }

    /** Whether {@code now} is inside the validity window {@code [notBefore, notAfter)}. */
    public boolean validAt(Instant now) {
        return !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    /** The launch description as text (empty if the release has none). */
    public String launchDescriptionText() {
        return StandardCharsets.UTF_8
                .decode(ByteBuffer.wrap(launchDescription.toByteArray()))
                .toString();
    }

    /**
     * The release format this manifest is written in: 3 when it names TDX platforms or a GPU count other than the one
     * version 2 implies, else 2.
     */
    public int formatVersion() {
        return tdxPlatforms.isEmpty() && gpuCount == defaultGpuCount(gpus) ? 2 : 3;
    }

    /** The SEV-SNP launch digests of every shape. */
    public List<Bytes> snpLaunchDigests() {
        return snpShapes.stream().map(SnpShape::launchDigest).toList();
    }

    void write(CanonicalWriter w) {
        w.string8(release)
                .u64(notBefore.getEpochSecond())
                .u64(notAfter.getEpochSecond())
                .u8(maxVmpl)
                .u8(smtAllowed ? 1 : 0)
                .u8(snpShapes.size());
        snpShapes.forEach(s -> s.write(w));
        w.u8(tdx.isPresent() ? 1 : 0);
        tdx.ifPresent(t -> t.write(w));
        if (formatVersion() == 3) {
            w.u8(tdxPlatforms.size());
            tdxPlatforms.forEach(p -> p.write(w));
        }
        w.u8(gpus.size());
        gpus.forEach(g -> g.write(w));
        if (formatVersion() == 3) w.u8(gpuCount);
        w.u8(images.size());
        images.forEach(i -> i.write(w));
        w.opaque16(launchDescription).string8(sourceRevision);
        buildRecipe.write(w);
    }

    /** The canonical encoding (what a release key signs, after {@link SignedRelease#CONTEXT}). */
    public byte[] encode() {
        CanonicalWriter w = new CanonicalWriter();
        write(w);
        return w.toByteArray();
    }

    /** Reads a manifest of release format {@code version} (2 or 3). */
    static ReleaseManifest read(CanonicalReader r, int version) throws FormatException {
        String release = r.string8("release name");
        Instant nb = LedgerEntry.readSeconds(r, "not_before");
        Instant na = LedgerEntry.readSeconds(r, "not_after");
        int vmpl = r.u8("max_vmpl");
        int smt = r.u8("smt_allowed");
        if (smt > 1) {
            throw new FormatException("while reading a release manifest: smt_allowed " + smt + ", want 0 or 1");
        }
        int ns = r.u8("SEV-SNP shape count");
        if (ns > MAX_SHAPES) {
            throw new FormatException("while reading a release manifest: " + ns + " SEV-SNP shapes, want <= 64");
        }
        List<SnpShape> shapes = new ArrayList<>(ns);
        for (int i = 0; i < ns; i++) {
            shapes.add(SnpShape.read(r));
        }
        int nt = r.u8("TDX register count");
        if (nt > 1) {
            throw new FormatException("while reading a release manifest: " + nt + " TDX register sets, want 0 or 1");
        }
        Optional<TdxRuntime> tdx = nt == 1 ? Optional.of(TdxRuntime.read(r)) : Optional.empty();
        List<TdxPlatform> platforms = new ArrayList<>();
        if (version == 3) {
            int np = r.u8("TDX platform count");
            if (np > EnclaveRelease.MAX_LIST) {
                throw new FormatException(
                        "while reading a version 3 release manifest: " + np + " TDX platforms, want at most 16");
            }
            for (int i = 0; i < np; i++) {
                platforms.add(TdxPlatform.read(r));
            }
        }
        int ng = r.u8("GPU count");
        if (ng > EnclaveRelease.MAX_LIST) {
            throw new FormatException("while reading a release manifest: " + ng + " GPU reference values, want <= 16");
        }
        List<GpuReferenceValue> gpus = new ArrayList<>(ng);
        for (int i = 0; i < ng; i++) {
            gpus.add(GpuReferenceValue.read(r));
        }
        int gpuCount = defaultGpuCount(gpus);
        if (version == 3) {
            gpuCount = r.u8("gpu_count");
            if (gpuCount > MAX_GPU_COUNT) {
                throw new FormatException(
                        "while reading a release manifest: gpu_count " + gpuCount + ", want <= " + MAX_GPU_COUNT);
            }
        }
        int ni = r.u8("image digest count");
        if (ni < 1 || ni > EnclaveRelease.MAX_LIST) {
            throw new FormatException("while reading a release manifest: " + ni + " image digests, want 1 to 16");
        }
        List<ImageDigest> images = new ArrayList<>(ni);
        for (int i = 0; i < ni; i++) {
            images.add(ImageDigest.read(r));
        }
        Bytes launch = Bytes.of(r.opaque16("launch description", 0));
        String rev = r.string8("source revision");
        Digest recipe = Digest.read(r, "build recipe digest");
        ReleaseManifest manifest;
        try {
            manifest = new ReleaseManifest(
                    release, nb, na, vmpl, smt == 1, shapes, tdx, platforms, gpus, gpuCount, images, launch, rev,
                    recipe);
        } catch (IllegalArgumentException e) {
            throw new FormatException("while reading a release manifest: " + e.getMessage(), e);
        }
        if (manifest.formatVersion() != version) {
            throw new FormatException("while reading a version " + version + " release manifest: it says only what"
                    + " version " + manifest.formatVersion() + " says (no TDX platforms, GPU count "
                    + gpuCount + "), and is written in that version");
        }
        return manifest;
    }
}
