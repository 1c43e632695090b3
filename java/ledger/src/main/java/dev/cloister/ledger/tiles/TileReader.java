package dev.cloister.ledger.tiles;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.merkle.ConsistencyProof;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Computes proofs for a tiled log from its static resources (c2sp.org/tlog-tiles): only the tiles that hold the
 * proof's hashes are fetched, and kept in a small cache (tiles are immutable). A missing partial tile falls back to
 * the full tile with the same index, as tlog-tiles §"Partial Tiles" allows. Checkpoints must be verified by the
 * caller before their sizes are used here.
 */
public final class TileReader implements ConsistencyProofSource {

    private static final int CACHE_TILES = 256;

    private final TileSource source;
    private final Map<String, Tile> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tile> eldest) {
            return size() > CACHE_TILES;
        }
    };

    public TileReader(TileSource source) {
        this.source = source;
    }

    /** The raw bytes of {@code <prefix>/checkpoint}; verify them with {@code SignedCheckpoint.open}. */
    public byte[] checkpoint() throws IOException {
        return source.fetch("checkpoint");
    }

    /** One tile, from the cache or the source; a missing partial tile is cut from the full one. */
    public synchronized Tile tile(TileId id) throws IOException, FormatException {
        Tile t = cache.get(id.path());
        if (t != null) {
            return t;
        }
        try {
            t = Tile.parse(id, source.fetch(id.path()));
        } catch (NoSuchFileException e) {
            if (id.isFull()) {
                throw e;
            }
            TileId full = TileId.full(id.level(), id.index());
            byte[] bytes = source.fetch(full.path());
            Tile.parse(full, bytes);
            t = new Tile(id, Bytes.of(bytes, 0, id.width() * TreeHash.SIZE));
        }
        cache.put(id.path(), t);
        return t;
    }

    private TileHashStore store(long treeSize) {
        return new TileHashStore(this::tile, treeSize);
    }

    /** The leaf hash at {@code index} in a tree of {@code treeSize}, read from its level-0 tile. */
    public byte[] leafHash(long index, long treeSize) throws IOException, LedgerException {
        if (index < 0 || index >= treeSize) {
            throw new ProofException("while reading leaf " + index + ": not below tree size " + treeSize);
        }
        return store(treeSize).node(0, index);
    }

    /**
     * The inclusion proof of the entry at {@code index} under {@code checkpoint}, built from tiles and checked against
     * the checkpoint's root (so a tile that disagrees with the checkpoint is detected here).
     */
    public InclusionProof inclusionProof(long index, Checkpoint checkpoint) throws IOException, LedgerException {
        TileHashStore store = store(checkpoint.size());
        InclusionProof proof = MerkleTree.inclusionProof(store, index, checkpoint.size());
        proof.verify(store.node(0, index), checkpoint.rootHash().toByteArray());
        return proof;
    }

    @Override
    public ConsistencyProof consistencyProof(long size1, long size2) throws IOException, LedgerException {
        return MerkleTree.consistencyProof(store(size2), size1, size2);
    }

    /** The Merkle tree hash of the first {@code treeSize} leaves, from tiles. */
    public byte[] rootHash(long treeSize) throws IOException, LedgerException {
        return MerkleTree.rootHash(store(treeSize), treeSize);
    }

    /**
     * The entry at {@code index} in a tree of {@code checkpoint.size()} leaves, from its entry bundle, checked against
     * the leaf hash in the level-0 tile and the inclusion proof to the checkpoint root.
     */
    public byte[] entry(long index, Checkpoint checkpoint) throws IOException, LedgerException {
        EntryBundleId id = EntryBundleId.forEntry(index, checkpoint.size());
        byte[] bytes;
        try {
            bytes = source.fetch(id.path());
        } catch (NoSuchFileException e) {
            if (id.isFull()) {
                throw e;
            }
            bytes = source.fetch(new EntryBundleId(id.index(), TilePath.FULL_WIDTH).path());
            EntryBundle full = EntryBundle.parse(new EntryBundleId(id.index(), TilePath.FULL_WIDTH), bytes);
            bytes = new EntryBundle(full.entries().subList(0, id.width())).encode();
        }
        byte[] entry = EntryBundle.parse(id, bytes).entry((int) (index & 255));
        InclusionProof proof = inclusionProof(index, checkpoint);
        proof.verify(TreeHash.leafHash(entry), checkpoint.rootHash().toByteArray());
        return entry;
    }
}
