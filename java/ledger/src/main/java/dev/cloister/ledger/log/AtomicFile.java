package dev.cloister.ledger.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * Crash-safe file replacement: write {@code name.tmp}, {@code fsync} it, rename it over {@code name}. After a crash a
 * reader sees either the old or the new content, never a mix; the rename is durable once the directory is
 * {@code fsync}ed ({@link #syncDirectory}).
 */
public final class AtomicFile {

    /** Suffix of the temporary files; a crash can leave them behind, and they are safe to delete. */
    public static final String TEMP_SUFFIX = ".tmp";

    private AtomicFile() {}

    /** Writes {@code bytes} to {@code target} atomically; the directory must exist. Does not sync the directory. */
    public static void write(Path target, byte[] bytes) throws IOException {
        commit(prepare(target, bytes), target);
    }

    /** First half of {@link #write}: the temporary file next to {@code target}, written and fsynced. */
    public static Path prepare(Path target, byte[] bytes, FileAttribute<?>... attributes) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        // A temporary file left by a crash may have other permissions than those asked for now: start afresh.
        Files.deleteIfExists(temp);
        try (FileChannel ch =
                FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        return temp;
    }

    /** Second half of {@link #write}: renames the prepared temporary file over {@code target}. */
    public static void commit(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("while writing " + target + ": the file system cannot rename atomically", e);
        }
    }

    /** Writes atomically and makes the rename durable. */
    public static void writeDurably(Path target, byte[] bytes) throws IOException {
        write(target, bytes);
        syncDirectory(target.getParent());
    }

    /** {@link #writeDurably}, the file created with {@code attributes} (e.g. owner-only permissions). */
    public static void writeDurably(Path target, byte[] bytes, FileAttribute<?>... attributes) throws IOException {
        commit(prepare(target, bytes, attributes), target);
        syncDirectory(target.getParent());
    }

    /** {@code fsync} of a directory, which makes the renames and creations inside it durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
