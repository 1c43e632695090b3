package dev.cloister.ledger.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link HashStore} that keeps every complete subtree hash in memory: appending a leaf hash computes the parents it
 * completes. Meant for tests, tools and small logs (≈ 64 bytes per entry).
 */
public final class InMemoryHashStore implements HashStore {

    private final List<List<byte[]>> levels = new ArrayList<>();

    /** Appends one leaf hash (a 32-byte {@link TreeHash#leafHash}) and returns its index. */
    public synchronized long append(byte[] leafHash) {
        if (leafHash.length != TreeHash.SIZE) {
            throw new IllegalArgumentException("while appending a leaf: hash length " + leafHash.length + ", want 32");
        }
        long index = size();
        byte[] h = leafHash.clone();
        for (int height = 0; ; height++) {
            if (levels.size() == height) {
                levels.add(new ArrayList<>());
            }
            List<byte[]> level = levels.get(height);
            level.add(h);
            if ((level.size() & 1) != 0) {
                break;
            }
            h = TreeHash.nodeHash(level.get(level.size() - 2), h);
        }
        return index;
    }

    /** Number of leaves appended so far. */
    public synchronized long size() {
        return levels.isEmpty() ? 0 : levels.getFirst().size();
    }

    @Override
    public synchronized byte[] node(int height, long index) {
        if (height < 0
                || height >= levels.size()
                || index < 0
                || index >= levels.get(height).size()) {
            throw new IllegalArgumentException("no complete subtree at height " + height + " index " + index);
        }
        return levels.get(height).get((int) index).clone();
    }

    /** The root hash of the tree of the first {@code size} leaves (RFC 9162 §2.1.1). */
    public byte[] rootHash(long size) {
        try {
            return MerkleTree.rootHash(this, size);
        } catch (Exception e) {
            throw new IllegalArgumentException("while computing the root of size " + size + ": " + e.getMessage(), e);
        }
    }
}
