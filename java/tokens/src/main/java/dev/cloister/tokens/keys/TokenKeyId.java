package dev.cloister.tokens.keys;

import dev.cloister.base.Hex;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * token_key_id of RFC 9578 §6.5 (and §5): SHA-256 over the serialized issuer public key, 32 bytes.
 * The truncated form in a TokenRequest is its last byte.
 */
public final class TokenKeyId {
    public static final int LENGTH = 32;
    private final byte[] bytes;

    private TokenKeyId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static TokenKeyId of(byte[] id) {
        if (id.length != LENGTH) {
            throw new IllegalArgumentException("token_key_id must be 32 bytes, got " + id.length);
        }
        return new TokenKeyId(id.clone());
    }

    /** token_key_id = SHA256(serialized public key). */
    public static TokenKeyId forPublicKey(byte[] encodedPublicKey) {
        try {
            return new TokenKeyId(MessageDigest.getInstance("SHA-256").digest(encodedPublicKey));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 vanished", e);
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** truncated_token_key_id: the least significant byte of token_key_id in network byte order. */
    public int truncated() {
        return bytes[LENGTH - 1] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKeyId t && MessageDigest.isEqual(bytes, t.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Hex.format(bytes);
    }
}
