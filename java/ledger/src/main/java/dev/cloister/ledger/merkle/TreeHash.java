package dev.cloister.ledger.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * RFC 9162 §2.1.1 Merkle Tree hashing with SHA-256: {@code MTH({}) = SHA-256()},
 * leaf hash {@code SHA-256(0x00 || entry)}, interior node hash {@code SHA-256(0x01 || left || right)}.
 */
public final class TreeHash {

    /** Length in bytes of every hash in the tree (SHA-256). */
    public static final int SIZE = 32;

    private static final byte[] EMPTY_ROOT = digest().digest();

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TreeHash::digest);

    private TreeHash() {}

    /** {@code MTH({})}: the root hash of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1). */
    public static byte[] emptyRoot() {
        return EMPTY_ROOT.clone();
    }

    /** {@code SHA-256(0x00 || entry)} (RFC 9162 §2.1.1). */
    public static byte[] leafHash(byte[] entry) {
        return leafHash(entry, 0, entry.length);
    }

    /** {@code SHA-256(0x00 || entry[offset, offset+length))} (RFC 9162 §2.1.1). */
    public static byte[] leafHash(byte[] entry, int offset, int length) {
        MessageDigest md = SHA256.get();
        md.update((byte) 0x00);
        md.update(entry, offset, length);
        return md.digest();
    }

    /** {@code SHA-256(0x01 || left || right)} (RFC 9162 §2.1.1). */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest md = SHA256.get();
        md.update((byte) 0x01);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** A fresh SHA-256 instance; SHA-256 is mandatory in every Java platform. */
    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every Java platform", e);
        }
    }

    /** SHA-256 of {@code data} (not a tree hash; used for key ids and content digests). */
    public static byte[] sha256(byte[]... parts) {
        MessageDigest md = SHA256.get();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }
}
