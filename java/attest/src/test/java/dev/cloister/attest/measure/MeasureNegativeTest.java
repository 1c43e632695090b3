package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.Vectors;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Firmware images and VM shapes the calculator must refuse, each with the structure and offset named. */
class MeasureNegativeTest {

    static byte[] amdSev() {
        return Vectors.read(Vectors.file(SevSnpMeasureVectorsTest.DIR + "/ovmf_AmdSev_suffix.bin"));
    }

    static byte[] ovmfX64() {
        return Vectors.read(Vectors.file(SevSnpMeasureVectorsTest.DIR + "/ovmf_OvmfX64_suffix.bin"));
    }

    private static String refused(byte[] image) {
        return assertThrows(MeasurementException.class, () -> OvmfImage.parse(image))
                .getMessage();
    }

    private static final int FOOTER = 4096 - 32 - 18;

    @Test
    void theVectorImagesParse() throws Exception {
        OvmfImage ovmf = OvmfImage.parse(amdSev());
        assertTrue(ovmf.hasSection(OvmfSection.Type.SNP_KERNEL_HASHES));
        assertTrue(ovmf.sevEsResetEip().isPresent());
        assertTrue(ovmf.supportsSevHashesTable());
        assertEquals(0x1_0000_0000L - 4096, ovmf.gpa());
        OvmfImage x64 = OvmfImage.parse(ovmfX64());
        assertTrue(!x64.hasSection(OvmfSection.Type.SNP_KERNEL_HASHES));
    }

    @Test
    void ovmfWithoutKernelHashesRefusesAKernel() throws Exception {
        OvmfImage x64 = OvmfImage.parse(ovmfX64());
        KernelHashes k = KernelHashes.ofFiles(java.nio.file.Path.of("/dev/null"), null, "console=ttyS0");
        String snp = assertThrows(
                        MeasurementException.class,
                        () -> LaunchDescription.ofImage(x64, Optional.of(k), 1, Optional.of(VcpuType.EPYC_V4), 1))
                .getMessage();
        assertTrue(snp.contains("no SNP_KERNEL_HASHES section"), snp);
        String sev = assertThrows(MeasurementException.class, () -> SevLaunchDigest.sev(x64, Optional.of(k)))
                .getMessage();
        assertTrue(sev.contains("does not support kernel/initrd/cmdline measurement"), sev);
    }

    @Test
    void truncatedOrCorruptFootersAreRefusedWithTheirOffset() {
        byte[] tooLong = amdSev();
        tooLong[FOOTER] = (byte) 0xff;
        tooLong[FOOTER + 1] = (byte) 0xff;
        String m = refused(tooLong);
        assertTrue(m.contains("footer table length at offset 0xfce: 65535 does not fit"), m);

        // A table one byte longer than what precedes the footer: as if the image had been cut in front of it.
        byte[] cut = amdSev();
        cut[FOOTER] = (byte) (FOOTER + 19);
        cut[FOOTER + 1] = (byte) ((FOOTER + 19) >>> 8);
        assertTrue(
                refused(cut).contains("footer table length at offset 0xfce: " + (FOOTER + 19) + " does not fit"),
                refused(cut));

        // Only the last 49 bytes of an image: no room for the footer entry.
        byte[] tail = new byte[4096];
        String tiny = assertThrows(
                        MeasurementException.class,
                        () -> FirmwareFooterTable.parse("OVMF", Arrays.copyOfRange(tail, 0, 49)))
                .getMessage();
        assertTrue(tiny.contains("too short to hold the footer entry"), tiny);

        byte[] entry = amdSev();
        int lastEntry = FOOTER - 18;
        entry[lastEntry] = 3;
        entry[lastEntry + 1] = 0;
        assertTrue(
                refused(entry)
                        .contains("footer table entry length at offset 0x" + Integer.toHexString(lastEntry)
                                + ": 3 is outside [18, "),
                refused(entry));

        assertTrue(refused(new byte[0]).contains("size 0 bytes"));
        assertTrue(refused(Arrays.copyOf(amdSev(), 4000)).contains("size 4000 bytes is not a positive multiple"));
        assertTrue(refused(new byte[OvmfImage.MAX_SIZE + 4096]).contains("of at most"));
    }

    @Test
    void aMissingFooterMeansNoTableAndNoResetBlock() throws Exception {
        byte[] image = amdSev();
        image[FOOTER + 2] ^= 1; // footer GUID no longer matches
        OvmfImage ovmf = OvmfImage.parse(image);
        assertTrue(ovmf.sections().isEmpty());
        String m = assertThrows(
                        MeasurementException.class,
                        () -> LaunchDescription.ofImage(ovmf, Optional.empty(), 1, Optional.of(VcpuType.EPYC_V4), 1))
                .getMessage();
        assertTrue(m.contains("no SEV-ES reset block"), m);
    }

    @Test
    void corruptSevMetadataIsRefusedWithItsOffset() throws Exception {
        byte[] image = amdSev();
        int asev = indexOf(image, new byte[] {'A', 'S', 'E', 'V'});
        assertTrue(asev > 0);
        byte[] signature = image.clone();
        signature[asev] = 'B';
        assertTrue(
                refused(signature).contains("SEV metadata signature at offset 0x" + Integer.toHexString(asev)),
                refused(signature));
        byte[] version = image.clone();
        version[asev + 8] = 2;
        assertTrue(refused(version).contains("SEV metadata version"), refused(version));
        byte[] count = image.clone();
        count[asev + 12] = (byte) 200;
        assertTrue(
                refused(count)
                        .contains("SEV metadata item count at offset 0x" + Integer.toHexString(asev + 12)
                                + ": 200 exceeds 64"),
                refused(count));
        byte[] type = image.clone();
        type[asev + 16 + 8] = 9;
        assertTrue(
                refused(type).contains("SEV metadata item 0 at offset 0x" + Integer.toHexString(asev + 16)),
                refused(type));
        byte[] unaligned = image.clone();
        unaligned[asev + 16] = 1;
        assertTrue(refused(unaligned).contains("not a 4 KiB aligned"), refused(unaligned));
    }

    @Test
    void zeroOrAThousandVcpusAreRefused() throws Exception {
        OvmfImage ovmf = OvmfImage.parse(amdSev());
        for (int vcpus : new int[] {0, 1000, -1}) {
            String m = assertThrows(
                            MeasurementException.class,
                            () -> LaunchDescription.ofImage(
                                    ovmf, Optional.empty(), vcpus, Optional.of(VcpuType.EPYC_V4), 1))
                    .getMessage();
            assertEquals("vcpus: " + vcpus + " is outside [1, 512]", m);
            assertThrows(
                    MeasurementException.class,
                    () -> SevLaunchDigest.sevEs(
                            ovmf, Optional.empty(), vcpus, Optional.of(VcpuType.EPYC_V4), VmmType.QEMU));
        }
        LaunchDescription max =
                LaunchDescription.ofImage(ovmf, Optional.empty(), 512, Optional.of(VcpuType.EPYC_V4), 1);
        assertNotEquals(
                Vectors.hex(max.snpLaunchDigest(VmmType.QEMU)),
                Vectors.hex(LaunchDescription.ofImage(ovmf, Optional.empty(), 511, Optional.of(VcpuType.EPYC_V4), 1)
                        .snpLaunchDigest(VmmType.QEMU)));
    }

    @Test
    void qemuNeedsAVcpuTypeAndSnpNeedsSnpActive() throws Exception {
        OvmfImage ovmf = OvmfImage.parse(amdSev());
        LaunchDescription untyped = LaunchDescription.ofImage(ovmf, Optional.empty(), 1, Optional.empty(), 1);
        assertTrue(assertThrows(MeasurementException.class, () -> untyped.snpLaunchDigest(VmmType.QEMU))
                .getMessage()
                .startsWith("vcpu_type: "));
        assertTrue(assertThrows(
                        MeasurementException.class,
                        () -> LaunchDescription.ofImage(ovmf, Optional.empty(), 1, Optional.of(VcpuType.EPYC_V4), 0x20))
                .getMessage()
                .contains("SNPActive"));
        assertThrows(IllegalArgumentException.class, () -> VcpuType.parse("epyc-v4"));
        assertEquals(0x00800F12, VcpuType.EPYC_V4.signature());
        assertEquals(0x00A00F11, VcpuType.EPYC_MILAN.signature());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
