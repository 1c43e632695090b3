package dev.cloister.ledger.log;

import dev.cloister.ledger.tiles.DirectoryTileSource;
import dev.cloister.ledger.tiles.EntryBundleId;
import dev.cloister.ledger.tiles.TileId;
import dev.cloister.ledger.tiles.TileSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A tiled log's files in a directory laid out as its URL space (c2sp.org/tlog-tiles): {@code checkpoint},
 * {@code tile/<L>/<N>[.p/<W>]}, {@code tile/entries/<N>[.p/<W>]}, so that any static file server can serve it.
 * <p>
 * Every file is written atomically: a temporary file in the same directory, written, {@code fsync}ed, renamed over
 * the target, then the directory is {@code fsync}ed. {@link #writeBatch} makes a whole batch of tiles durable before
 * the checkpoint that names them is written, so after a crash at any moment the checkpoint on disk always describes
 * tiles that are all on disk.
 */
public final class LogStorage implements TileSource {

    static final String CHECKPOINT = "checkpoint";

    private final Path root;
    private final DirectoryTileSource reader;

    private LogStorage(Path root) {
        this.root = root;
        this.reader = new DirectoryTileSource(root);
    }

    /** Opens (creating if needed) the log directory and removes temporary files a crash left behind. */
    public static LogStorage open(Path root) throws IOException {
        Files.createDirectories(root);
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().endsWith(AtomicFile.TEMP_SUFFIX)) {
                    Files.delete(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new LogStorage(root);
    }

    public Path root() {
        return root;
    }

    @Override
    public byte[] fetch(String path) throws IOException {
        return reader.fetch(path);
    }

    /** The stored checkpoint, or null for a new log. */
    public byte[] readCheckpoint() throws IOException {
        try {
            return Files.readAllBytes(root.resolve(CHECKPOINT));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Makes {@code files} (tile paths to contents) durable, then publishes {@code checkpoint}, in three rounds:
     * (1) every file and the checkpoint written to a temporary file and fsynced, concurrently; (2) the tile files
     * renamed into place and their directories fsynced; (3) the checkpoint renamed into place and the log directory
     * fsynced. When this returns everything is on stable storage; a crash before round 3 leaves the old checkpoint.
     */
    public void writeBatch(Map<String, byte[]> files, byte[] checkpoint) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        List<Path> targets = new ArrayList<>(files.size());
        List<Callable<Path>> prepares = new ArrayList<>(files.size() + 1);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path target = root.resolve(f.getKey());
            ensureDirectory(target.getParent());
            dirs.add(target.getParent());
            targets.add(target);
            prepares.add(() -> AtomicFile.prepare(target, f.getValue()));
        }
        Path checkpointFile = root.resolve(CHECKPOINT);
        prepares.add(() -> AtomicFile.prepare(checkpointFile, checkpoint));
        // 1. every temporary file written and fsynced, concurrently (the checkpoint's too, not yet visible);
        List<Path> temps = runAll(prepares);
        // 2. the tiles renamed into place and their directories fsynced;
        for (int i = 0; i < targets.size(); i++) {
            AtomicFile.commit(temps.get(i), targets.get(i));
        }
        runAll(dirs.stream()
                .<Callable<Path>>map(d -> () -> {
                    fsyncDirectory(d);
                    return d;
                })
                .toList());
        // 3. only then the checkpoint that names them.
        AtomicFile.commit(temps.getLast(), checkpointFile);
        fsyncDirectory(root);
    }

    private static <T> List<T> runAll(List<Callable<T>> tasks) throws IOException {
        if (tasks.size() == 1) {
            try {
                return List.of(tasks.getFirst().call());
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<T> out = new ArrayList<>(tasks.size());
            for (Future<T> r : exec.invokeAll(tasks)) {
                out.add(r.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing a batch");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("while writing a batch", e.getCause());
        }
    }

    /**
     * Deletes what an unacknowledged batch may have left beyond the tree of {@code size} entries: partial tiles and
     * bundles wider than the durable ones at the right edge, and full or partial tiles past it. Tiles of smaller
     * (earlier checkpointed) sizes are kept. Called on recovery, so that no file disagrees with a future checkpoint.
     */
    public void removeBeyond(long size) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (int level = -1; level < 8; level++) {
            long nodes = level < 0 ? size : size >>> (8 * level);
            long fullCount = nodes >>> 8;
            int width = (int) (nodes & 255);
            for (long index = fullCount; ; index++) {
                Path full = root.resolve(
                        level < 0
                                ? new EntryBundleId(index, 256).path()
                                : TileId.full(level, index).path());
                Path partials = full.resolveSibling(full.getFileName() + ".p");
                boolean any = Files.deleteIfExists(full);
                if (any) {
                    dirs.add(full.getParent());
                }
                if (Files.isDirectory(partials)) {
                    try (var files = Files.list(partials)) {
                        for (Path f : files.toList()) {
                            int w = parseWidth(f.getFileName().toString());
                            if (index > fullCount || w > width || w < 0) {
                                Files.delete(f);
                                dirs.add(partials);
                                any = true;
                            }
                        }
                    }
                }
                if (!any && index > fullCount) {
                    break;
                }
            }
        }
        for (Path d : dirs) {
            fsyncDirectory(d);
        }
    }

    private static int parseWidth(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1; // not a tile: remove it too
        }
    }

    /** Atomically replaces the checkpoint (e.g. with a cosigned copy of the same checkpoint). */
    public void writeCheckpoint(byte[] checkpoint) throws IOException {
        writeAndRename(root.resolve(CHECKPOINT), checkpoint);
        fsyncDirectory(root);
    }

    private void writeAndRename(Path target, byte[] bytes) throws IOException {
        ensureDirectory(target.getParent());
        AtomicFile.write(target, bytes);
    }

    /** Creates a missing directory and makes its entry in the parent durable. */
    private void ensureDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (!dir.startsWith(root) || dir.equals(root)) {
            throw new IOException("while creating " + dir + ": outside the log directory " + root);
        }
        ensureDirectory(dir.getParent());
        Files.createDirectory(dir);
        fsyncDirectory(dir.getParent());
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        AtomicFile.syncDirectory(dir);
    }
}
