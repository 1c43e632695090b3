package dev.cloister.attest.platform;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Confidential-VM evidence from Linux configfs-tsm ({@code /sys/kernel/config/tsm/report}, Linux 6.7+;
 * Documentation/ABI/testing/configfs-tsm): create an entry directory, write the 64-byte {@code inblob} (REPORT_DATA),
 * read {@code outblob} (and {@code auxblob}), and check that {@code generation} did not move in between, which would
 * mean another writer raced this one and the outblob may belong to someone else's inblob.
 *
 * <p>Blocking file I/O: call it from a worker thread, never an event loop.
 */
public final class ConfigfsTsm {

    public static final Path DEFAULT_ROOT = Path.of("/sys/kernel/config/tsm/report");
    /** Larger than any SEV-SNP report or TDX quote with its certification data; bigger outblobs are refused. */
    static final int MAX_BLOB = 64 * 1024;

    private final Path root;

    public ConfigfsTsm(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /**
     * Gets a report whose REPORT_DATA is {@code reportData}, through the entry {@code entryName} (created if absent;
     * an entry may be reused).
     *
     * @param reportData exactly 64 bytes
     * @throws AttestationException if the interface is absent, or the generation moved (a concurrent writer)
     */
    public TsmReport report(String entryName, byte[] reportData) throws IOException, AttestationException {
        if (reportData == null || reportData.length != 64) {
            throw new IllegalArgumentException("reportData must be 64 bytes");
        }
        if (entryName == null || !entryName.matches("[A-Za-z0-9_.-]{1,64}") || entryName.startsWith(".")) {
            throw new IllegalArgumentException("entryName must be a plain file name");
        }
        if (!Files.isDirectory(root)) {
            throw new AttestationException("configfs-tsm: " + root + " does not exist (no confidential-computing guest "
                    + "driver, Linux < 6.7, or configfs not mounted)");
        }
        Path entry = root.resolve(entryName);
        if (!Files.isDirectory(entry)) {
            Files.createDirectory(entry);
        }
        Files.write(entry.resolve("inblob"), reportData);
        long before = generation(entry);
        byte[] outblob = read(entry.resolve("outblob"));
        Optional<byte[]> auxblob;
        try {
            auxblob = Optional.of(read(entry.resolve("auxblob"))).filter(a -> a.length > 0);
        } catch (NoSuchFileException e) {
            auxblob = Optional.empty();
        }
        long after = generation(entry);
        if (before != after) {
            throw AttestationException.mismatch(
                    "configfs-tsm: generation changed while reading (concurrent writer)", before, after);
        }
        String provider = new String(read(entry.resolve("provider")), StandardCharsets.US_ASCII).strip();
        return new TsmReport(provider, Bytes.of(outblob), auxblob.map(Bytes::of), after);
    }

    private static long generation(Path entry) throws IOException, AttestationException {
        String g = new String(read(entry.resolve("generation")), StandardCharsets.US_ASCII).strip();
        try {
            return Long.parseLong(g);
        } catch (NumberFormatException e) {
            throw new AttestationException("configfs-tsm: generation is not a number: " + g, e);
        }
    }

    private static byte[] read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(MAX_BLOB + 1);
            if (b.length > MAX_BLOB) {
                throw new IOException(p + " is larger than " + MAX_BLOB + " bytes");
            }
            return b;
        }
    }
}
