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
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * A durable {@link CheckpointStore}: one file per origin, named by the hex SHA-256 of the origin and holding the
 * checkpoint text, replaced atomically and fsynced before {@link #compareAndSet} returns. For a witness's "latest
 * cosigned checkpoint per log" and for clients that keep their view across restarts. One process per directory.
 * A client's store ({@link #ownerOnly}) is readable by its owner alone: which checkpoint a user last saw says when
 * they last used the service.
 */
public final class DirectoryCheckpointStore implements CheckpointStore {

    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    private final FileAttribute<?>[] fileAttributes;

    public DirectoryCheckpointStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.fileAttributes = new FileAttribute<?>[0];
    }

    private DirectoryCheckpointStore(Path dir, FileAttribute<?>[] fileAttributes) {
        this.dir = dir;
        this.fileAttributes = fileAttributes;
    }

    /**
     * A store whose directory is created {@code 0700} and whose files are written {@code 0600}; an existing directory
     * that others can read or enter is refused (its checkpoints could have been replaced by another user).
     */
    public static DirectoryCheckpointStore ownerOnly(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(dir);
        if (!OWNER_DIR.containsAll(actual)) {
            throw new IOException("the checkpoint store " + dir + " is open to other users ("
                    + PosixFilePermissions.toString(actual) + "); it must be rwx------");
        }
        return new DirectoryCheckpointStore(
                dir, new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)});
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
        AtomicFile.writeDurably(file(origin), checkpoint.toText().getBytes(StandardCharsets.UTF_8), fileAttributes);
        return true;
    }
}
