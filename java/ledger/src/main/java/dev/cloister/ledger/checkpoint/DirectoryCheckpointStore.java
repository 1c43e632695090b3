package dev.cloister.ledger.checkpoint;

import dev.cloister.base.Hex;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.log.AtomicFile;
import dev.cloister.ledger.merkle.TreeHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A durable {@link CheckpointStore}: one file per origin, named by the hex SHA-256 of the origin and holding the
 * checkpoint text, replaced atomically and fsynced before {@link #compareAndSet} returns. For a witness's "latest
 * cosigned checkpoint per log" and for clients that keep their view across restarts. One process per directory.
 */
public final class DirectoryCheckpointStore implements CheckpointStore {

    private final Path dir;

    public DirectoryCheckpointStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
    }

    private Path file(String origin) {
        return dir.resolve(Hex.format(TreeHash.sha256(origin.getBytes(StandardCharsets.UTF_8))));
    }

    @Override
    public synchronized Optional<Checkpoint> get(String origin) throws IOException {
        byte[] text;
        try {
            text = Files.readAllBytes(file(origin));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Checkpoint cp = Checkpoint.parse(text);
            if (!cp.origin().equals(origin)) {
                throw new IOException(
                        "while reading the stored checkpoint of " + origin + ": it is for " + cp.origin());
            }
            return Optional.of(cp);
        } catch (FormatException e) {
            throw new IOException("while reading the stored checkpoint of " + origin + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean compareAndSet(String origin, Optional<Checkpoint> expected, Checkpoint checkpoint)
            throws IOException {
        if (!checkpoint.origin().equals(origin)) {
            throw new IllegalArgumentException("checkpoint of " + checkpoint.origin() + " stored under " + origin);
        }
        if (!get(origin).equals(expected)) {
            return false;
        }
        AtomicFile.writeDurably(file(origin), checkpoint.toText().getBytes(StandardCharsets.UTF_8));
        return true;
    }
}
