package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dm-verity root hashes against cryptsetup's own vector (testdata/vectors/cvm-measure/PROVENANCE.md). */
class VerityTreeTest {

    /** cryptsetup tests/verity-compat-test: 8 MiB of zeros, 4096-byte blocks, sha256, format 1, this salt. */
    static final String SALT = "e48da609055204e89ae53b655ca2216dd983cf3cb829f34f63a297d106d53e2d";

    static final String ROOT = "e522df0f97da4febb882ac40f30b37dc0b444bf6df418929463fa25280f09d5c";

    @Test
    void cryptsetupVectorEightMiBOfZeros(@TempDir Path dir) throws Exception {
        assertTrue(Vectors.read("cvm-measure", "PROVENANCE.md").contains(ROOT), "the vector is the published one");
        Path volume = dir.resolve("zeros.img");
        Files.write(volume, new byte[8 * 1024 * 1024]);
        assertEquals(ROOT, Vectors.hex(VerityTree.rootHash(volume, Vectors.hex(SALT))));
    }

    @Test
    void everyBlockAndTheSaltCount() throws Exception {
        byte[] data = new byte[8 * 1024 * 1024];
        byte[] salt = Vectors.hex(SALT);
        data[8 * 1024 * 1024 - 1] = 1;
        assertNotEquals(ROOT, Vectors.hex(VerityTree.rootHash(new ByteArrayInputStream(data), data.length, salt)));
        data[8 * 1024 * 1024 - 1] = 0;
        salt[0] ^= 1;
        assertNotEquals(ROOT, Vectors.hex(VerityTree.rootHash(new ByteArrayInputStream(data), data.length, salt)));
    }

    @Test
    void malformedVolumesAreRefused() {
        byte[] salt = new byte[32];
        assertTrue(assertThrows(
                        MeasurementException.class,
                        () -> VerityTree.rootHash(new ByteArrayInputStream(new byte[4095]), 4095, salt))
                .getMessage()
                .contains("size 4095"));
        assertTrue(assertThrows(
                        MeasurementException.class,
                        () -> VerityTree.rootHash(new ByteArrayInputStream(new byte[4096]), 8192, salt))
                .getMessage()
                .contains("ended after 4096"));
        assertThrows(
                MeasurementException.class, () -> VerityTree.rootHash(new ByteArrayInputStream(new byte[0]), 0, salt));
        assertThrows(
                MeasurementException.class,
                () -> VerityTree.rootHash(new ByteArrayInputStream(new byte[4096]), 4096, new byte[257]));
    }
}
