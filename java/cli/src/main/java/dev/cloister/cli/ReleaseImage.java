package dev.cloister.cli;

import dev.cloister.attest.measure.Authenticode;
import dev.cloister.attest.measure.KernelHashes;
import dev.cloister.attest.measure.LaunchDescription;
import dev.cloister.attest.measure.LaunchDescriptionJson;
import dev.cloister.attest.measure.MeasurementException;
import dev.cloister.attest.measure.OvmfImage;
import dev.cloister.attest.measure.QemuDirectBootKernel;
import dev.cloister.attest.measure.Rtmr;
import dev.cloister.attest.measure.VcpuType;
import dev.cloister.attest.measure.VmmType;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.ImageDigest;
import dev.cloister.ledger.entry.SnpShape;
import dev.cloister.ledger.entry.TdxRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The measurements of an image that {@code cvm-boot/build.sh} wrote (its {@code vmlinuz}, initrd and {@code cmdline}),
 * computed here rather than read from its {@code measurement.json}: the SEV-SNP launch digest per VM shape (from an
 * AmdSev OVMF, or from a published launch description whose kernel hashes must be this image's), TDX RTMR1 (the
 * Authenticode digest of the kernel as QEMU patches it for a guest of the given memory) and RTMR2 (the command line
 * as OVMF passes it, and the initrd), and the SHA-256 of the image's files.
 *
 * @param shapes one SEV-SNP launch digest per vCPU count, ascending
 * @param tdx RTMR1 and RTMR2, when asked for with a guest memory size
 * @param images the SHA-256 of each image file, by name
 * @param launchDescription the launch description (JSON) of the first shape, what an auditor recomputes from
 */
record ReleaseImage(
        List<SnpShape> shapes, Optional<TdxRuntime> tdx, List<ImageDigest> images, String launchDescription) {

    /** The files of an image directory that a release names, in the order a release lists them (by name). */
    static final List<String> FILES = List.of(
            "build-info.json", "cmdline", "data.erofs", "data.verity", "initrd.cpio.gz", "initrd.cpio.zst", "vmlinuz");

    /** Where the SEV-SNP launch starts: an OVMF image with options, or a launch description. */
    sealed interface Firmware {
        record Ovmf(Path file, Optional<VcpuType> vcpuType, long guestFeatures) implements Firmware {}

        record Described(Path file) implements Firmware {}
    }

    static ReleaseImage measure(
            Path image, Firmware firmware, List<Integer> vcpus, VmmType vmm, Optional<Long> tdxMemory)
            throws IOException, MeasurementException {
        Path kernel = image.resolve("vmlinuz");
        Path initrd = initrd(image);
        Path cmdlineFile = image.resolve("cmdline");
        for (Path p : List.of(kernel, cmdlineFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(image + " has no " + p.getFileName() + " (is it a cvm-boot/build.sh output?)");
            }
        }
        String cmdline = new String(readBounded(cmdlineFile, KernelHashes.MAX_CMDLINE), StandardCharsets.UTF_8);
        KernelHashes hashes = KernelHashes.ofFiles(kernel, initrd, cmdline);
        LaunchDescription base;
        switch (firmware) {
            case Firmware.Ovmf o ->
                base = LaunchDescription.ofImage(
                        OvmfImage.parse(readBounded(o.file(), OvmfImage.MAX_SIZE)),
                        Optional.of(hashes),
                        vcpus.isEmpty() ? 1 : vcpus.getFirst(),
                        o.vcpuType(),
                        o.guestFeatures());
            case Firmware.Described d -> {
                base = LaunchDescriptionJson.parse(readBounded(d.file(), LaunchDescriptionJson.MAX_BYTES));
                KernelHashes described = base.kernel()
                        .orElseThrow(() -> new MeasurementException(
                                "the launch description has no kernel hashes, and the image boots a kernel"));
                requireSame("kernel_hash", described.kernel(), hashes.kernel(), "vmlinuz");
                requireSame(
                        "initrd_hash",
                        described.initrd(),
                        hashes.initrd(),
                        initrd.getFileName().toString());
                if (!described.cmdline().equals(cmdline)) {
                    throw new MeasurementException("the launch description's cmdline is not the image's cmdline file");
                }
            }
        }
        List<Integer> counts = vcpus.isEmpty()
                ? List.of(base.vcpus())
                : vcpus.stream().sorted().distinct().toList();
        List<SnpShape> shapes = new ArrayList<>();
        String description = null;
        for (int n : counts) {
            LaunchDescription shape = LaunchDescription.of(
                    base.ovmfHash(),
                    base.sections(),
                    base.sevHashesTableGpa(),
                    base.sevEsResetEip(),
                    base.kernel(),
                    n,
                    base.vcpuType(),
                    base.guestFeatures());
            if (description == null) description = LaunchDescriptionJson.write(shape);
            shapes.add(new SnpShape(n, shape.guestFeatures(), Bytes.of(shape.snpLaunchDigest(vmm))));
        }
        Optional<TdxRuntime> tdx = Optional.empty();
        if (tdxMemory.isPresent()) {
            tdx = Optional.of(tdxRuntime(kernel, initrd, cmdline, tdxMemory.get()));
        }
        List<ImageDigest> images = new ArrayList<>();
        for (String name : FILES) {
            Path f = image.resolve(name);
            if (Files.isRegularFile(f)) {
                images.add(new ImageDigest(name, new Digest(Digest.Algorithm.SHA_256, Bytes.of(digest("SHA-256", f)))));
            }
        }
        return new ReleaseImage(shapes, tdx, images, description);
    }

    /** RTMR1 and RTMR2 of a QEMU direct boot of these files on a TD with {@code memoryBytes} of memory. */
    static TdxRuntime tdxRuntime(Path kernel, Path initrd, String cmdline, long memoryBytes)
            throws IOException, MeasurementException {
        long initrdSize = Files.size(initrd);
        byte[] authenticode = QemuDirectBootKernel.authenticodeSha384(
                readBounded(kernel, Authenticode.MAX_SIZE), cmdline, initrdSize, memoryBytes);
        return new TdxRuntime(
                Bytes.of(Rtmr.directBootRtmr1(authenticode)),
                Bytes.of(Rtmr.directBootRtmr2(Rtmr.ovmfLoadOptions(cmdline, initrdSize), digest("SHA-384", initrd))));
    }

    private static Path initrd(Path image) throws IOException {
        for (String name : List.of("initrd.cpio.gz", "initrd.cpio.zst")) {
            if (Files.isRegularFile(image.resolve(name))) return image.resolve(name);
        }
        throw new IOException(image + " has no initrd.cpio.gz (is it a cvm-boot/build.sh output?)");
    }

    private static void requireSame(
            String field, dev.cloister.base.Bytes described, dev.cloister.base.Bytes actual, String file)
            throws MeasurementException {
        if (!described.equals(actual)) {
            throw new MeasurementException("the launch description's " + field + " " + described.hex()
                    + " is not the image's " + file + " " + actual.hex());
        }
    }

    static byte[] digest(String algorithm, Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) md.update(buffer, 0, n);
        }
        return md.digest();
    }

    static byte[] readBounded(Path file, int max) throws IOException {
        long size = Files.size(file);
        if (size > max) throw new IOException(file + ": " + size + " bytes, more than " + max);
        return Files.readAllBytes(file);
    }
}
