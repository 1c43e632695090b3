package dev.cloister.ledger.tiles;

import dev.cloister.ledger.FormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A {@link TileSource} reading a log laid out on disk as its URL space ({@code DIR/checkpoint},
 * {@code DIR/tile/...}). Only {@code checkpoint} and canonical tile paths are served, so no path can escape the
 * directory.
 */
public final class DirectoryTileSource implements TileSource {

    /** Largest file served: a full entry bundle of maximal entries. */
    public static final long MAX_FILE_SIZE = 256L * (2 + EntryBundle.MAX_ENTRY_SIZE);

    private final Path root;

    public DirectoryTileSource(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    @Override
    public byte[] fetch(String path) throws IOException {
        if (!path.equals("checkpoint")) {
            try {
                TilePath parsed = TilePath.parse(path);
                if (!parsed.path().equals(path)) {
                    throw new NoSuchFileException(path);
                }
            } catch (FormatException e) {
                throw new NoSuchFileException(path, null, e.getMessage());
            }
        }
        Path file = root.resolve(path);
        long size = Files.size(file);
        if (size > MAX_FILE_SIZE) {
            throw new IOException("while reading " + path + ": " + size + " bytes, more than " + MAX_FILE_SIZE);
        }
        return Files.readAllBytes(file);
    }
}
