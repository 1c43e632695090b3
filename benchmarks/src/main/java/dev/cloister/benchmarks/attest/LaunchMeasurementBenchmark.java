package dev.cloister.benchmarks.attest;

import dev.cloister.attest.measure.KernelHashes;
import dev.cloister.attest.measure.LaunchDescription;
import dev.cloister.attest.measure.MeasurementException;
import dev.cloister.attest.measure.OvmfImage;
import dev.cloister.attest.measure.QemuDirectBootKernel;
import dev.cloister.attest.measure.Rtmr;
import dev.cloister.attest.measure.VcpuType;
import dev.cloister.attest.measure.VerityTree;
import dev.cloister.attest.measure.VmmType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The launch measurement of a 64 MiB image, from files on disk (target ≤ 1 s).
 * {@code directBoot64MiB}: a 4 MiB OVMF (the AmdSev vector's last page behind 4 MiB − 4 KiB of random bytes), a
 * 12 MiB kernel and a 48 MiB initrd, 4 vCPUs EPYC-v4 under QEMU: read and parse the OVMF, fold its 1024 pages, hash
 * kernel and initrd, measure the sections and VMSAs. {@code ovmfPages64MiB}: the worst case of the firmware path, a
 * 64 MiB OVMF (16384 page digests). {@code verity64MiB}: the dm-verity root hash of a 64 MiB data volume.
 * {@code tdxRtmr1And2_60MiB}: TDX RTMR1 and RTMR2 of a direct boot, from a 12 MiB bzImage-shaped PE (the Authenticode
 * fixture's headers, random sections and trailing data) and the 48 MiB initrd: QEMU's setup-header patch, the
 * Authenticode SHA-384, and the initrd's SHA-384.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class LaunchMeasurementBenchmark {

    private static final int MIB = 1024 * 1024;
    private Path dir;
    private Path ovmf;
    private Path bigOvmf;
    private Path kernel;
    private Path initrd;
    private Path volume;
    private Path bzImage;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path vectors = Path.of(System.getProperty("cloister.vectors", "testdata/vectors"));
        byte[] suffix = Files.readAllBytes(vectors.resolve("cvm-measure/sev-snp-measure/ovmf_AmdSev_suffix.bin"));
        dir = Files.createTempDirectory("cloister-measure-bench");
        Random random = new Random(1);
        ovmf = Files.write(dir.resolve("OVMF.fd"), firmware(4 * MIB, suffix, random));
        bigOvmf = Files.write(dir.resolve("OVMF-64.fd"), firmware(64 * MIB, suffix, random));
        kernel = Files.write(dir.resolve("vmlinuz"), bytes(12 * MIB, random));
        initrd = Files.write(dir.resolve("initrd"), bytes(48 * MIB, random));
        volume = Files.write(dir.resolve("data.img"), bytes(64 * MIB, random));
        byte[] pe = Files.readAllBytes(vectors.resolve("authenticode/bzimage.efi"));
        byte[] big = bytes(12 * MIB, random);
        System.arraycopy(pe, 0, big, 0, pe.length);
        bzImage = Files.write(dir.resolve("bzImage"), big);
    }

    private static byte[] firmware(int size, byte[] suffix, Random random) {
        byte[] fw = bytes(size, random);
        System.arraycopy(suffix, 0, fw, size - suffix.length, suffix.length);
        return fw;
    }

    private static byte[] bytes(int size, Random random) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (Path p : new Path[] {ovmf, bigOvmf, kernel, initrd, volume, bzImage}) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public byte[] directBoot64MiB() throws IOException, MeasurementException {
        OvmfImage image = OvmfImage.parse(Files.readAllBytes(ovmf));
        KernelHashes hashes = KernelHashes.ofFiles(kernel, initrd, "console=ttyS0 quiet panic=-1");
        return LaunchDescription.ofImage(image, Optional.of(hashes), 4, Optional.of(VcpuType.EPYC_V4), 0x1)
                .snpLaunchDigest(VmmType.QEMU);
    }

    @Benchmark
    public byte[] ovmfPages64MiB() throws IOException, MeasurementException {
        OvmfImage image = OvmfImage.parse(Files.readAllBytes(bigOvmf));
        return LaunchDescription.ofImage(image, Optional.empty(), 4, Optional.of(VcpuType.EPYC_V4), 0x1)
                .snpLaunchDigest(VmmType.QEMU);
    }

    @Benchmark
    public byte[] verity64MiB() throws IOException, MeasurementException {
        return VerityTree.rootHash(volume, new byte[32]);
    }

    @Benchmark
    public byte[][] tdxRtmr1And2_60MiB() throws IOException, MeasurementException, NoSuchAlgorithmException {
        long initrdSize = Files.size(initrd);
        byte[] rtmr1 = Rtmr.directBootRtmr1(QemuDirectBootKernel.authenticodeSha384(
                Files.readAllBytes(bzImage), "console=ttyS0 quiet panic=-1", initrdSize, 4L << 30));
        MessageDigest md = MessageDigest.getInstance("SHA-384");
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(initrd)) {
            for (int n; (n = in.read(buffer)) > 0; ) md.update(buffer, 0, n);
        }
        byte[] rtmr2 =
                Rtmr.directBootRtmr2(Rtmr.ovmfLoadOptions("console=ttyS0 quiet panic=-1", initrdSize), md.digest());
        return new byte[][] {rtmr1, rtmr2};
    }
}
