package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PE/COFF Authenticode digest against osslsigncode's (testdata/vectors/authenticode, generate.sh), and against
 * the digest Debian's own Secure Boot signature of a released kernel carries.
 */
class AuthenticodeTest {

    static final String DIR = "authenticode";

    static byte[] fixture(String name) {
        return Vectors.read(Vectors.file(DIR + "/" + name));
    }

    private static JsonNode expected(String name) {
        return Vectors.get(Vectors.json(DIR, "expected.json"), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pe32plus.efi", "pe32plus-unaligned.efi", "pe32.efi", "bzimage.efi"})
    void matchesOsslsigncode(String name) throws Exception {
        byte[] image = fixture(name);
        assertEquals(Vectors.str(expected(name), "file_sha256"), Vectors.hex(sha256(image)), "fixture file");
        assertEquals(Vectors.str(expected(name), "sha384"), Vectors.hex(Authenticode.sha384(image)));
        assertEquals(Vectors.str(expected(name), "sha256"), Vectors.hex(Authenticode.sha256(image)));
    }

    /**
     * The firmware's digest (edk2 MeasurePeImageAndExtend: no signer's padding) equals the signing tools' for a file
     * whose signed part is a multiple of 8 bytes, and differs for the one fixture that is not.
     */
    @Test
    void theFirmwareDigestDropsOnlyTheSignersPadding() throws Exception {
        for (String name : new String[] {"pe32plus.efi", "pe32.efi", "bzimage.efi", "pe32plus-signed.efi"}) {
            byte[] image = fixture(name);
            assertArrayEquals(Authenticode.sha384(image), Authenticode.firmwareSha384(image), name);
        }
        byte[] unaligned = fixture("pe32plus-unaligned.efi");
        assertTrue(unaligned.length % 8 != 0, "the fixture is unaligned");
        assertNotEquals(
                Vectors.hex(Authenticode.sha384(unaligned)), Vectors.hex(Authenticode.firmwareSha384(unaligned)));
        byte[] padded = java.util.Arrays.copyOf(unaligned, (unaligned.length + 7) / 8 * 8);
        assertArrayEquals(Authenticode.sha384(unaligned), Authenticode.firmwareSha384(padded));
    }

    @Test
    void aSignedCopyHasTheDigestOfTheUnsignedFile() throws Exception {
        byte[] signed = fixture("pe32plus-signed.efi");
        assertEquals(Vectors.str(expected("pe32plus-signed.efi"), "sha384"), Vectors.hex(Authenticode.sha384(signed)));
        assertArrayEquals(Authenticode.sha384(fixture("pe32plus.efi")), Authenticode.sha384(signed));
    }

    @Test
    void checksumIsNotHashedButEverythingElseIs() throws Exception {
        byte[] image = fixture("pe32plus.efi");
        byte[] digest = Authenticode.sha384(image);
        int optional = 0x80 + 4 + 20;
        byte[] checksum = image.clone();
        checksum[optional + 64] ^= 0x5a;
        assertArrayEquals(digest, Authenticode.sha384(checksum));
        for (int at : new int[] {0x40, optional + 60 - 4, 0x400, 0x900, image.length - 1}) {
            byte[] changed = image.clone();
            changed[at] ^= 0x01;
            assertNotEquals(
                    Vectors.hex(digest),
                    Vectors.hex(Authenticode.sha384(changed)),
                    "byte 0x" + Integer.toHexString(at));
        }
    }

    /**
     * Debian's linux-image-6.1.0-53-cloud-amd64 6.1.187-1 kernel (a signed bzImage with the EFI stub), when
     * {@code CLOISTER_TEST_VMLINUZ} names its vmlinuz: the SHA-256 Authenticode digest is the one Debian's signature
     * carries (osslsigncode verify: "Current message digest"), and the SHA-384 one is osslsigncode's for the same
     * file re-signed with SHA-384. Not committed (14 MB); extract it with
     * {@code dpkg-deb -x linux-image-6.1.0-53-cloud-amd64_6.1.187-1_amd64.deb DIR}.
     */
    @Test
    void debianKernel() throws Exception {
        String path = System.getenv("CLOISTER_TEST_VMLINUZ");
        assumeTrue(path != null && Files.isRegularFile(Path.of(path)), "CLOISTER_TEST_VMLINUZ names no file");
        byte[] kernel = Files.readAllBytes(Path.of(path));
        assertEquals("26cb804f0a0a8878e5ab560391962aee89c344f5b8faebe0329f65c507a03483", Vectors.hex(sha256(kernel)));
        assertEquals(
                "ef95be9cf53ea215d4fd6af37dd49ef833264bc7ed1f802bdb7c0fca6965b72f",
                Vectors.hex(Authenticode.sha256(kernel)));
        assertEquals(
                "d10b76021687f698d217930a4f740753212aa6fe3ae185939530cc876db048d9d1d6f474d409d8875e8464caf11409f3",
                Vectors.hex(Authenticode.sha384(kernel)));
        byte[] patched = QemuDirectBootKernel.patched(kernel, "", 40L << 20, 4L << 30);
        assertOnlySetupHeaderDiffers(kernel, patched);
        assertNotEquals(Vectors.hex(Authenticode.sha384(kernel)), Vectors.hex(Authenticode.sha384(patched)));
    }

    static void assertOnlySetupHeaderDiffers(byte[] original, byte[] patched) {
        assertEquals(original.length, patched.length);
        for (int i = 0; i < original.length; i++) {
            if (original[i] != patched[i]) {
                assertTrue(i >= 0x210 && i < 0x238, "byte 0x" + Integer.toHexString(i) + " changed");
            }
        }
    }

    private static String refused(byte[] image) {
        return assertThrows(MeasurementException.class, () -> Authenticode.sha384(image))
                .getMessage();
    }

    private static void put32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    private static final int COFF = 0x84;
    private static final int OPTIONAL = COFF + 20;

    @Test
    void refusesWhatIsNotAPeImage() {
        assertTrue(refused(new byte[0]).contains("e_magic"));
        byte[] image = fixture("pe32plus.efi");
        byte[] mz = image.clone();
        mz[0] = 'Z';
        assertTrue(refused(mz).contains("e_magic"));
        byte[] lfanew = image.clone();
        put32(lfanew, 0x3c, image.length - 8);
        assertTrue(refused(lfanew).contains("e_lfanew"));
        byte[] signature = image.clone();
        signature[0x81] = 'X';
        assertTrue(refused(signature).contains("PE signature"));
        byte[] magic = image.clone();
        magic[OPTIONAL] = 0x0b;
        magic[OPTIONAL + 1] = 0x03;
        assertTrue(refused(magic).contains("Magic"));
        assertTrue(refused(Arrays.copyOf(image, 0x200)).contains("SizeOfHeaders"));
    }

    @Test
    void refusesHeadersThatDoNotHold() {
        byte[] image = fixture("pe32plus.efi");
        byte[] sections = image.clone();
        sections[COFF + 2] = (byte) 200;
        assertTrue(refused(sections).contains("NumberOfSections"));
        byte[] rva = image.clone();
        put32(rva, OPTIONAL + 108, 4);
        assertTrue(refused(rva).contains("NumberOfRvaAndSizes"));
        byte[] rvaMany = image.clone();
        put32(rvaMany, OPTIONAL + 108, 0x1000_0000L);
        assertTrue(refused(rvaMany).contains("NumberOfRvaAndSizes"));
        byte[] optionalSize = image.clone();
        optionalSize[COFF + 16] = (byte) 0xff;
        optionalSize[COFF + 17] = (byte) 0xff;
        assertTrue(refused(optionalSize).contains("SizeOfOptionalHeader"));
        byte[] headers = image.clone();
        put32(headers, OPTIONAL + 60, 0x100);
        assertTrue(refused(headers).contains("SizeOfHeaders"));
    }

    @Test
    void refusesSectionsAndCertificatesOutsideTheFile() {
        byte[] image = fixture("pe32plus.efi");
        int table = OPTIONAL + 240;
        byte[] section = image.clone();
        put32(section, table + 20, image.length - 0x100);
        assertTrue(refused(section).contains("section 0"));
        byte[] huge = image.clone();
        put32(huge, table + 40 + 16, 0xffff_ffffL);
        assertTrue(refused(huge).contains("section 1"));
        int certificate = OPTIONAL + 112 + 4 * 8;
        byte[] notAtEnd = image.clone();
        put32(notAtEnd, certificate, 0x800);
        put32(notAtEnd, certificate + 4, 0x10);
        assertTrue(refused(notAtEnd).contains("Certificate Table"));
        byte[] signed = fixture("pe32plus-signed.efi");
        byte[] truncated = Arrays.copyOf(signed, signed.length - 8);
        assertTrue(refused(truncated).contains("Certificate Table"));
    }

    @Test
    void setupHeaderIsPatchedAsQemuDoes() throws Exception {
        byte[] kernel = syntheticBzImage(0x020f, 0x40);
        byte[] p = QemuDirectBootKernel.patched(kernel, "", 0x100000, 4L << 30);
        assertOnlySetupHeaderDiffers(kernel, p);
        assertEquals(0xb0, p[0x210] & 0xff);
        assertEquals(0x81, p[0x211] & 0xff);
        assertEquals(0xfe00, Authenticode.u32(p, 0x224));
        assertEquals(0x20000, Authenticode.u32(p, 0x228));
        // 2 GiB of low RAM less the ACPI area, less the initrd, page-aligned down.
        assertEquals((0x8000_0000L - 0x28000 - 1 - 0x100000) & ~4095L, Authenticode.u32(p, 0x218));
        assertEquals(0x100000, Authenticode.u32(p, 0x21c));
        byte[] noInitrd = QemuDirectBootKernel.patched(kernel, "", 0, 4L << 30);
        assertEquals(0, Authenticode.u32(noInitrd, 0x218));
    }

    @Test
    void initrdPlacementDependsOnMemoryOnlyBelowHighMemory() throws Exception {
        byte[] kernel = syntheticBzImage(0x020f, 0x40);
        long initrd = 50L << 20;
        byte[] high = QemuDirectBootKernel.patched(kernel, "", initrd, QemuDirectBootKernel.HIGH_MEMORY);
        assertArrayEquals(high, QemuDirectBootKernel.patched(kernel, "", initrd, 64L << 30));
        assertArrayEquals(high, QemuDirectBootKernel.patched(kernel, "", initrd, 2L << 30));
        assertNotEquals(
                Authenticode.u32(high, 0x218),
                Authenticode.u32(QemuDirectBootKernel.patched(kernel, "", initrd, (2L << 30) - 4096), 0x218));
        assertNotEquals(
                Authenticode.u32(high, 0x218),
                Authenticode.u32(
                        QemuDirectBootKernel.patched(kernel, "", initrd, QemuDirectBootKernel.HIGH_MEMORY - 4096),
                        0x218));
        // Without CAN_BE_LOADED_ABOVE_4G the kernel's initrd_addr_max bounds the address.
        byte[] capped = syntheticBzImage(0x020f, 0);
        put32(capped, 0x22c, 0x3fff_ffffL);
        assertEquals(
                (0x3fff_ffffL - initrd) & ~4095L,
                Authenticode.u32(QemuDirectBootKernel.patched(capped, "", initrd, 4L << 30), 0x218));
    }

    @Test
    void refusesWhatQemuCannotLoad() {
        byte[] kernel = syntheticBzImage(0x020f, 0x40);
        assertTrue(assertThrows(
                        MeasurementException.class,
                        () -> QemuDirectBootKernel.patched(kernel, "", 0x7fff_0000L, 1L << 30))
                .getMessage()
                .contains("does not fit"));
        assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(kernel, "", 0, 1L << 20));
        assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(kernel, "", -1, 4L << 30));
        assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(new byte[100], "", 0, 4L << 30));
        byte[] old = syntheticBzImage(0x0100, 0);
        assertTrue(assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(old, "", 4096, 4L << 30))
                .getMessage()
                .contains("protocol"));
    }

    @Test
    void refusesWhatItDoesNotModel() throws Exception {
        // Boot protocol 2.01 (and any below 2.02): QEMU places the command line and heap otherwise.
        byte[] v201 = syntheticBzImage(0x0201, 0);
        String m = assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(v201, "", 0, 4L << 30))
                .getMessage();
        assertTrue(m.contains("boot protocol 2.01; below 2.02 is not modelled"), m);
        // No "HdrS" at all.
        byte[] noHeader = syntheticBzImage(0x020f, 0x40);
        noHeader[0x202] = 0;
        assertTrue(
                assertThrows(MeasurementException.class, () -> QemuDirectBootKernel.patched(noHeader, "", 0, 4L << 30))
                        .getMessage()
                        .contains("HdrS"));
        // vga=: QEMU writes the video mode into vid_mode (0x1fa).
        byte[] kernel = syntheticBzImage(0x020f, 0x40);
        String vga = assertThrows(
                        MeasurementException.class,
                        () -> QemuDirectBootKernel.authenticodeSha384(kernel, "console=ttyS0 vga=791", 0, 4L << 30))
                .getMessage();
        assertTrue(vga.contains("vga="), vga);
        // Protocol 2.02 is modelled.
        assertEquals(
                0x20000,
                Authenticode.u32(QemuDirectBootKernel.patched(syntheticBzImage(0x0202, 0), "", 0, 4L << 30), 0x228));
    }

    /** A 64 KiB image with a Linux setup header: "HdrS", the protocol version, LOADED_HIGH and xloadflags. */
    static byte[] syntheticBzImage(int protocol, int xloadflags) {
        byte[] k = new byte[0x10000];
        for (int i = 0; i < k.length; i++) k[i] = (byte) (i * 7);
        put32(k, 0x202, 0x53726448);
        k[0x206] = (byte) protocol;
        k[0x207] = (byte) (protocol >> 8);
        k[0x210] = 0;
        k[0x211] = 0x01;
        put32(k, 0x218, 0);
        put32(k, 0x21c, 0);
        put32(k, 0x224, 0);
        put32(k, 0x228, 0);
        put32(k, 0x22c, 0x7fff_ffffL);
        k[0x236] = (byte) xloadflags;
        k[0x237] = 0;
        return k;
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
