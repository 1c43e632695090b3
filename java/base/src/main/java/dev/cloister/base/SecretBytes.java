package dev.cloister.base;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Key material: a private key, a seed, a shared secret. The bytes are copied in, and the only way to read them is
 * {@link #reveal()}, so a search for that name finds every place that touches a secret. {@link #toString()} shows
 * nothing but the length; {@link #equals} is constant-time. {@link #destroy()} overwrites the bytes with zeros, and
 * a destroyed secret refuses to be read: code that holds a destroyed key fails instead of computing with zeros.
 */
public final class SecretBytes {

    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretBytes(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        this.bytes = bytes;
    }

    /** A secret holding a copy of {@code bytes} (which the caller should zero when done with them). */
    public static SecretBytes copyOf(byte[] bytes) {
        return new SecretBytes(bytes.clone());
    }

    /** A secret holding the bytes of {@code source}, which this zeroes: the secret is then held only here. */
    public static SecretBytes takeFrom(byte[] source) {
        try {
            return new SecretBytes(source.clone());
        } finally {
            Arrays.fill(source, (byte) 0);
        }
    }

    /** {@code length} bytes from {@code random}. */
    public static SecretBytes random(SecureRandom random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return new SecretBytes(b);
    }

    /**
     * A copy of the secret. This is the one read of the bytes; callers should zero the copy when done with it.
     *
     * @throws IllegalStateException once {@link #destroy()} has run
     */
    public byte[] reveal() {
        byte[] copy = bytes.clone();
        if (destroyed) {
            Arrays.fill(copy, (byte) 0);
            throw new IllegalStateException("secret of " + bytes.length + " bytes already destroyed");
        }
        return copy;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    /** Overwrites the secret with zeros; every later {@link #reveal()} fails. */
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    /** Constant-time comparison (in the length of the secrets): same length and same bytes. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof SecretBytes other && MessageDigest.isEqual(bytes, other.bytes);
    }

    /** The length only: a hash of the bytes would tell something about them. */
    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "SecretBytes[" + bytes.length + " bytes, redacted]";
    }
}
