package dev.cloister.client.session;

import dev.cloister.tokens.privacypass.Token;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Unspent tokens kept in a file between runs (the CLI's wallet), one hex-encoded token per line, owner-only. Every
 * {@code cloister} process of the user may use the same file at once, so each read-modify-write runs under an exclusive
 * lock: a {@link FileChannel#lock()} on the lock file beside it ({@code <name>.lock}, which is never deleted, so every
 * process locks the same inode) for other processes, and a lock per file for the threads of this one (a JVM holds one
 * file lock per file, whichever thread asked). A token is removed from the file before it is handed out, so a crash
 * can lose a token but never spend one twice. Blocking: call it off the event loop.
 */
final class TokenFile {

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Map<Path, ReentrantLock> IN_THIS_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final Path lockFile;

    TokenFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
    }

    /** The first token, removed from the file; empty when the file holds none. */
    Optional<Token> take() throws IOException {
        return locked(tokens -> {
            Token first = tokens.pollFirst();
            if (first != null) write(tokens);
            return Optional.ofNullable(first);
        });
    }

    /** Adds tokens at the end. */
    void add(Collection<Token> fresh) throws IOException {
        locked(tokens -> {
            tokens.addAll(fresh);
            write(tokens);
            return null;
        });
    }

    int size() throws IOException {
        return locked(Deque::size);
    }

    private interface Change<T> {
        T apply(Deque<Token> tokens) throws IOException;
    }

    private <T> T locked(Change<T> change) throws IOException {
        ReentrantLock threads = IN_THIS_PROCESS.computeIfAbsent(lockFile, f -> new ReentrantLock());
        threads.lock();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(
                            lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), OWNER_ONLY);
                    FileLock processes = channel.lock()) {
                return change.apply(read());
            }
        } finally {
            threads.unlock();
        }
    }

    private Deque<Token> read() throws IOException {
        Deque<Token> tokens = new ArrayDeque<>();
        if (!Files.exists(file)) return tokens;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            if (line.isBlank()) continue;
            try {
                tokens.add(Token.decode(HexFormat.of().parseHex(line.strip())));
            } catch (IllegalArgumentException | dev.cloister.tokens.privacypass.TokenFormatException e) {
                // an unreadable line is dropped: the file is rewritten without it
            }
        }
        return tokens;
    }

    /** Replaces the file (atomically, owner-only) with {@code tokens}. */
    private void write(Deque<Token> tokens) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".tokens", ".tmp", OWNER_ONLY);
        try {
            StringBuilder out = new StringBuilder();
            for (Token t : tokens)
                out.append(HexFormat.of().formatHex(t.encode())).append('\n');
            Files.writeString(tmp, out, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
