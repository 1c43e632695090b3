package dev.cloister.tokens;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Secret key material (an issuer's OPRF private key, a key-derivation seed). The bytes are copied in and out, so a
 * caller cannot change them behind our back, and every read goes through {@link #reveal()}, so a search for that
 * name finds every place that touches a secret. {@link #toString()} shows nothing but the length.
 */
public final class SecretBytes {
    private final byte[] bytes;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of {@code bytes}. */
    public static SecretBytes copyOf(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        return new SecretBytes(bytes.clone());
    }

    /** A copy of the secret. Callers should zero the copy when done with it. */
    public byte[] reveal() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** Constant-time comparison. */
    public boolean sameAs(SecretBytes other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    /** Overwrites the secret with zeros; later reads see only zeros. */
    public void destroy() {
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretBytes other && sameAs(other);
    }

    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "SecretBytes[" + bytes.length + " bytes, redacted]";
    }
}
