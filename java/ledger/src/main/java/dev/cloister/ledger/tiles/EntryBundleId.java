package dev.cloister.ledger.tiles;

/**
 * An entry bundle (c2sp.org/tlog-tiles §"Log entries"): entries {@code index*256} to {@code index*256 + width - 1},
 * each hashing to the matching hash of the level-0 tile with the same index.
 */
public record EntryBundleId(long index, int width) implements TilePath {

    public EntryBundleId {
        if (index < 0) {
            throw new IllegalArgumentException("negative entry bundle index " + index);
        }
        if (width < 1 || width > FULL_WIDTH) {
            throw new IllegalArgumentException("entry bundle width " + width + " not in 1..256");
        }
    }

    /** The bundle holding entry {@code entryIndex} in a tree of {@code treeSize} leaves. */
    public static EntryBundleId forEntry(long entryIndex, long treeSize) {
        if (entryIndex < 0 || entryIndex >= treeSize) {
            throw new IllegalArgumentException("entry " + entryIndex + " not in a tree of size " + treeSize);
        }
        long index = entryIndex >>> 8;
        long fullBundles = treeSize >>> 8;
        return new EntryBundleId(index, index < fullBundles ? FULL_WIDTH : (int) (treeSize & 255));
    }

    @Override
    public String path() {
        String p = "tile/entries/" + TilePath.encodeIndex(index);
        return isFull() ? p : p + ".p/" + width;
    }
}
