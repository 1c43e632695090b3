package dev.cloister.ledger.tiles;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.merkle.HashStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link HashStore} over the tiles of a tree of a given size (c2sp.org/tlog-tiles §"Merkle Tree"): the node at
 * height {@code 8k + r} is the hash of {@code 2^r} consecutive hashes of one tile at level {@code k}, rehashed
 * locally. Tiles are fetched on first use through a {@link Fetcher}, so proof generation touches only the tiles it
 * needs, and kept for the life of this store.
 */
public final class TileHashStore implements HashStore {

    /** Fetches and parses one tile. */
    @FunctionalInterface
    public interface Fetcher {
        Tile tile(TileId id) throws IOException, LedgerException;
    }

    private final Fetcher fetcher;
    private final long treeSize;
    private final Map<TileId, Tile> tiles = new LinkedHashMap<>();

    public TileHashStore(Fetcher fetcher, long treeSize) {
        if (treeSize < 0) {
            throw new IllegalArgumentException("negative tree size " + treeSize);
        }
        this.fetcher = fetcher;
        this.treeSize = treeSize;
    }

    public long treeSize() {
        return treeSize;
    }

    @Override
    public byte[] node(int height, long index) throws IOException, LedgerException {
        int level = height / 8;
        int r = height % 8;
        long first = index << r;
        TileId id = TileId.inTree(level, first >>> 8, treeSize);
        int start = (int) (first & 255);
        if (id == null || start + (1 << r) > id.width()) {
            throw new FormatException("while reading tiles of tree size " + treeSize + ": node at height " + height
                    + " index " + index + " is not a complete subtree");
        }
        Tile tile = tiles.get(id);
        if (tile == null) {
            tile = fetcher.tile(id);
            if (!tile.id().equals(id)) {
                throw new FormatException("while reading tiles: asked for " + id.path() + ", got "
                        + tile.id().path());
            }
            tiles.put(id, tile);
        }
        return tile.subtreeHash(start, r);
    }
}
