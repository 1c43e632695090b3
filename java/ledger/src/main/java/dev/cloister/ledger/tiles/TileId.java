package dev.cloister.ledger.tiles;

/**
 * A Merkle tree tile (c2sp.org/tlog-tiles §"Merkle Tree"): {@code width} consecutive hashes at tree height
 * {@code 8 * level}; hash {@code i} of tile {@code index} is {@code MTH(D[(index*256+i)*256^level :
 * (index*256+i+1)*256^level])}.
 */
public record TileId(int level, long index, int width) implements TilePath {

    /** Levels 0 to 63 (c2sp.org/tlog-tiles). */
    public static final int MAX_LEVEL = 63;

    public TileId {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("tile level " + level + " not in 0..63");
        }
        if (index < 0) {
            throw new IllegalArgumentException("negative tile index " + index);
        }
        if (width < 1 || width > FULL_WIDTH) {
            throw new IllegalArgumentException("tile width " + width + " not in 1..256");
        }
    }

    /** The full tile at this level and index. */
    public static TileId full(int level, long index) {
        return new TileId(level, index, FULL_WIDTH);
    }

    /**
     * The tile at {@code level}, {@code index} as it exists in a tree of {@code treeSize} leaves: full if the tree
     * covers it, else partial with {@code floor(treeSize / 256^level) mod 256} hashes; null when it is empty.
     */
    public static TileId inTree(int level, long index, long treeSize) {
        long nodes = level * 8 >= 64 ? 0 : treeSize >>> (8 * level);
        long fullTiles = nodes >>> 8;
        if (index < fullTiles) {
            return full(level, index);
        }
        if (index == fullTiles && (nodes & 255) != 0) {
            return new TileId(level, index, (int) (nodes & 255));
        }
        return null;
    }

    @Override
    public String path() {
        String p = "tile/" + level + "/" + TilePath.encodeIndex(index);
        return isFull() ? p : p + ".p/" + width;
    }
}
