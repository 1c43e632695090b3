package dev.cloister.ledger.tiles;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;
import java.util.Arrays;

/** The contents of a hash tile: {@code width} concatenated 32-byte hashes (c2sp.org/tlog-tiles §"Merkle Tree"). */
public record Tile(TileId id, byte[] hashes) {

    public Tile {
        if (hashes.length != id.width() * TreeHash.SIZE) {
            throw new IllegalArgumentException(
                    "tile " + id.path() + " of " + hashes.length + " bytes, want " + id.width() * TreeHash.SIZE);
        }
        hashes = hashes.clone();
    }

    /** Parses tile bytes fetched for {@code id}: exactly {@code 32 * width} bytes. */
    public static Tile parse(TileId id, byte[] bytes) throws FormatException {
        if (bytes.length != id.width() * TreeHash.SIZE) {
            throw new FormatException("while reading tile " + id.path() + ": " + bytes.length + " bytes, want "
                    + id.width() * TreeHash.SIZE);
        }
        return new Tile(id, bytes);
    }

    @Override
    public byte[] hashes() {
        return hashes.clone();
    }

    /** Hash {@code i} of the tile. */
    public byte[] hash(int i) {
        return Arrays.copyOfRange(hashes, i * TreeHash.SIZE, (i + 1) * TreeHash.SIZE);
    }

    /**
     * The Merkle Tree Hash of the complete subtree formed by hashes {@code [start, start + 2^height)} of this tile;
     * {@code start} must be a multiple of {@code 2^height}.
     */
    public byte[] subtreeHash(int start, int height) {
        return subtreeHash(hashes, start, height);
    }

    static byte[] subtreeHash(byte[] hashes, int start, int height) {
        if (height == 0) {
            return Arrays.copyOfRange(hashes, start * TreeHash.SIZE, (start + 1) * TreeHash.SIZE);
        }
        int half = 1 << (height - 1);
        return TreeHash.nodeHash(subtreeHash(hashes, start, height - 1), subtreeHash(hashes, start + half, height - 1));
    }
}
