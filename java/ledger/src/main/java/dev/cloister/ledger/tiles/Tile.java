package dev.cloister.ledger.tiles;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;

/** The contents of a hash tile: {@code width} concatenated 32-byte hashes (c2sp.org/tlog-tiles §"Merkle Tree"). */
public record Tile(TileId id, Bytes hashes) {

    public Tile {
        if (hashes.length() != id.width() * TreeHash.SIZE) {
            throw new IllegalArgumentException(
                    "tile " + id.path() + " of " + hashes.length() + " bytes, want " + id.width() * TreeHash.SIZE);
        }
    }

    /** Parses tile bytes fetched for {@code id}: exactly {@code 32 * width} bytes. */
    public static Tile parse(TileId id, byte[] bytes) throws FormatException {
        if (bytes.length != id.width() * TreeHash.SIZE) {
            throw new FormatException("while reading tile " + id.path() + ": " + bytes.length + " bytes, want "
                    + id.width() * TreeHash.SIZE);
        }
        return new Tile(id, Bytes.of(bytes));
    }

    /** Hash {@code i} of the tile. */
    public byte[] hash(int i) {
        return hashes.slice(i * TreeHash.SIZE, (i + 1) * TreeHash.SIZE).toByteArray();
    }

    /**
     * The Merkle Tree Hash of the complete subtree formed by hashes {@code [start, start + 2^height)} of this tile;
     * {@code start} must be a multiple of {@code 2^height}.
     */
    public byte[] subtreeHash(int start, int height) {
        return subtreeHash(hashes, start, height);
    }

    static byte[] subtreeHash(Bytes hashes, int start, int height) {
        if (height == 0) {
            return hashes.slice(start * TreeHash.SIZE, (start + 1) * TreeHash.SIZE)
                    .toByteArray();
        }
        int half = 1 << (height - 1);
        return TreeHash.nodeHash(subtreeHash(hashes, start, height - 1), subtreeHash(hashes, start + half, height - 1));
    }
}
