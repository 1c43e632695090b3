package dev.cloister.attest.measure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * The dm-verity root hash of a data volume, hash format 1 with SHA-256 (Linux
 * {@code Documentation/admin-guide/device-mapper/verity.rst}; cryptsetup {@code lib/verity/verity_hash.c}): every
 * data block is hashed as {@code SHA-256(salt ‖ block)}, the digests are packed into zero-padded hash blocks, each
 * level is hashed the same way until one hash block is left, and the root hash is {@code SHA-256(salt ‖ that
 * block)}. The on-disk superblock is not part of the root hash. Data and hash blocks are 4 KiB (what
 * {@code veritysetup format} uses by default, and what the image builds).
 */
public final class VerityTree {

    public static final int BLOCK = 4096;
    static final int DIGEST = 32;
    static final int PER_BLOCK = BLOCK / DIGEST;
    /** A salt longer than this is refused by veritysetup. */
    public static final int MAX_SALT = 256;
    /** 16 TiB of data: more blocks than this is not a volume this project builds. */
    static final long MAX_BLOCKS = 1L << 32;

    private VerityTree() {}

    /** The root hash of {@code volume}, whose size must be a positive multiple of 4 KiB. */
    public static byte[] rootHash(Path volume, byte[] salt) throws IOException, MeasurementException {
        long size = Files.size(volume);
        try (InputStream in = Files.newInputStream(volume)) {
            return rootHash(in, size, salt);
        }
    }

    /** The root hash of {@code size} bytes read from {@code data}. */
    public static byte[] rootHash(InputStream data, long size, byte[] salt) throws IOException, MeasurementException {
        if (salt.length > MAX_SALT) {
            throw new MeasurementException("verity salt: " + salt.length + " bytes, more than " + MAX_SALT);
        }
        if (size <= 0 || size % BLOCK != 0 || size / BLOCK > MAX_BLOCKS) {
            throw new MeasurementException(
                    "verity data: size " + size + " bytes is not a positive multiple of 4096 (of at most 2^32 blocks)");
        }
        long blocks = size / BLOCK;
        if (blocks == 1) {
            // cryptsetup builds no hash level for a single block: the root is that block's digest.
            byte[] only = data.readNBytes(BLOCK);
            if (only.length != BLOCK) {
                throw new MeasurementException("verity data: ended after " + only.length + " of " + size + " bytes");
            }
            Levels none = new Levels(salt, 1);
            byte[] root = new byte[DIGEST];
            none.hash(only, root);
            return root;
        }
        // Hash blocks per level, from the one over the data up to the single top block.
        java.util.List<Long> counts = new java.util.ArrayList<>();
        for (long c = hashBlocks(blocks); ; c = hashBlocks(c)) {
            counts.add(c);
            if (c == 1) {
                break;
            }
        }
        Levels tree = new Levels(salt, counts.size());
        byte[] block = new byte[BLOCK];
        byte[] digest = new byte[DIGEST];
        for (long i = 0; i < blocks; i++) {
            int n = data.readNBytes(block, 0, BLOCK);
            if (n != BLOCK) {
                throw new MeasurementException(
                        "verity data: ended after " + (i * BLOCK + n) + " of " + size + " bytes");
            }
            tree.hash(block, digest);
            tree.add(0, digest);
        }
        return tree.finish();
    }

    /** One partly filled hash block per level; a full block is hashed into the level above. */
    private static final class Levels {
        private final byte[] salt;
        private final byte[][] blocks;
        private final int[] fill;
        private final MessageDigest md = Digests.sha256();
        private byte[] root;

        Levels(byte[] salt, int levels) {
            this.salt = salt;
            this.blocks = new byte[levels][BLOCK];
            this.fill = new int[levels];
        }

        void hash(byte[] in, byte[] out) {
            md.update(salt);
            md.update(in, 0, BLOCK);
            try {
                md.digest(out, 0, DIGEST);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(int level, byte[] digest) {
            System.arraycopy(digest, 0, blocks[level], fill[level] * DIGEST, DIGEST);
            if (++fill[level] == PER_BLOCK) {
                emit(level);
            }
        }

        private void emit(int level) {
            byte[] digest = new byte[DIGEST];
            hash(blocks[level], digest);
            java.util.Arrays.fill(blocks[level], (byte) 0);
            fill[level] = 0;
            if (level == blocks.length - 1) {
                root = digest;
            } else {
                add(level + 1, digest);
            }
        }

        byte[] finish() {
            for (int level = 0; level < blocks.length; level++) {
                if (fill[level] > 0) {
                    emit(level);
                }
            }
            return root;
        }
    }

    private static long hashBlocks(long digests) {
        return (digests + PER_BLOCK - 1) / PER_BLOCK;
    }
}
