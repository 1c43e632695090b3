package dev.cloister.attest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared vectors directory (system property {@code cloister.vectors}); a missing directory fails the test. */
public final class Vectors {

    private Vectors() {
    }

    public static Path dir(String sub) {
        String root = System.getProperty("cloister.vectors");
        if (root == null || root.isBlank()) {
            fail("system property cloister.vectors is not set (Surefire sets it to testdata/vectors)");
        }
        Path p = Path.of(root).resolve(sub);
        if (!Files.isDirectory(p)) {
            fail("vectors directory missing: " + p);
        }
        return p;
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
