package dev.cloister.ledger.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared vectors; fails (never skips) when they are missing. */
public final class Vectors {

    private Vectors() {}

    /** {@code $cloister.vectors/tlog}. */
    public static Path tlog() {
        String dir = System.getProperty("cloister.vectors");
        assertTrue(dir != null && !dir.isEmpty(), "system property cloister.vectors is not set");
        Path p = Path.of(dir, "tlog");
        assertTrue(Files.isDirectory(p), "vector directory " + p + " is missing");
        return p;
    }
}
