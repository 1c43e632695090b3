package dev.cloister.client.log;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The request log: every request appends one {@link RequestLogEntry}, exported as JSON lines. In memory for an app
 * that keeps its own storage, or appended to a file (the CLI's {@code cloister log} reads it). The log holds no message
 * text by construction: its entry type has no field for it.
 */
public final class RequestLog {

    /** The most entries kept in memory (the file keeps every line). */
    public static final int MAX_IN_MEMORY = 1000;

    /** What the log reveals (when, where, which release) is the owner's business alone. */
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Optional<Path> file;
    private final List<JsonObject> entries = new ArrayList<>();

    private RequestLog(Optional<Path> file) {
        this.file = file;
    }

    public static RequestLog inMemory() {
        return new RequestLog(Optional.empty());
    }

    /**
     * A log that also appends each entry as one JSON line to {@code file} (created readable by its owner only, with
     * its missing directories likewise).
     */
    public static RequestLog appendingTo(Path file) {
        return new RequestLog(Optional.of(file));
    }

    public synchronized void append(RequestLogEntry entry) {
        JsonObject json = entry.toJson();
        entries.add(json);
        if (entries.size() > MAX_IN_MEMORY) entries.removeFirst();
        if (file.isPresent()) {
            try {
                Path parent = file.get().toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) Files.createDirectories(parent, OWNER_ONLY_DIRECTORY);
                if (!Files.exists(file.get(), LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.createFile(file.get(), OWNER_ONLY);
                    } catch (FileAlreadyExistsException raced) {
                        // another process created it first
                    }
                }
                Files.writeString(
                        file.get(),
                        json.encode() + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND,
                        StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException("while appending to the request log", e);
            }
        }
    }

    /** The entries of this process, oldest first. */
    public synchronized List<JsonObject> entries() {
        return entries.stream().map(JsonObject::copy).toList();
    }

    /** This process's entries as JSON lines. */
    public synchronized String exportJsonLines() {
        StringBuilder out = new StringBuilder();
        for (JsonObject entry : entries) out.append(entry.encode()).append('\n');
        return out.toString();
    }

    /** Every line of a log file (empty when it does not exist yet). */
    public static List<String> read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
