package dev.cloister.attest.sim;

import dev.cloister.base.MalformedPemException;
import dev.cloister.base.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Supplier;

/** Where the simulated platforms keep their generated roots: one text file each, written once, owner-only, atomically. */
final class SimulatorFiles {

    private SimulatorFiles() {}

    /** The text of {@code dir/name}, which must exist ({@link java.nio.file.NoSuchFileException} when it does not). */
    static String read(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.US_ASCII);
    }

    /** The text of {@code dir/name}, generating and storing it first when the file does not exist. */
    static String readOrCreate(Path dir, String name, Supplier<String> generate) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            String text;
            try {
                text = generate.get();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            Path tmp = Files.createTempFile(dir, name, ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the temporary file keeps the platform's default permissions.
            }
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    /** The bytes of each PEM block of a file this package wrote; a damaged file says so. */
    static List<byte[]> blocks(String text, String name) {
        try {
            return Pem.decode(text.getBytes(StandardCharsets.US_ASCII), new Pem.Limits(1 << 20, 16)).stream()
                    .map(b -> b.data().toByteArray())
                    .toList();
        } catch (MalformedPemException e) {
            throw new IllegalStateException(name + " is damaged (" + e.getMessage() + "): delete it to regenerate", e);
        }
    }
}
