package dev.cloister.ledger.tiles;

import java.io.IOException;

/**
 * Where a tiled log's static resources come from: {@code checkpoint}, {@code tile/...} and {@code tile/entries/...}
 * paths relative to the log prefix (c2sp.org/tlog-tiles §"APIs"). An HTTP client, a directory or memory.
 */
public interface TileSource {

    /**
     * The bytes at {@code path}.
     *
     * @throws java.nio.file.NoSuchFileException when the resource does not exist
     */
    byte[] fetch(String path) throws IOException;
}
