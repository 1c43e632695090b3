package dev.cloister.wire.hpke;

import dev.cloister.base.SecretBytes;
import java.util.Objects;

/**
 * A KEM private key with its public key. The private key is held as {@link SecretBytes}
 * ({@code SerializePrivateKey(sk)}), so it never appears in {@code toString()} and every read of it is a
 * {@code reveal()} (the KEMs of this package, for the DH, and callers of {@link #serializedPrivateKey()} that must
 * persist a key). {@link #destroy()} zeroes it; a destroyed key refuses to be used.
 */
public final class HpkePrivateKey {

    private final KemId kem;
    private final SecretBytes secret;
    private final byte[] publicKey;

    HpkePrivateKey(KemId kem, byte[] secret, byte[] publicKey) {
        this.kem = Objects.requireNonNull(kem);
        if (secret.length != kem.nSk() || publicKey.length != kem.nPk()) {
            throw new IllegalArgumentException("key lengths do not match " + kem);
        }
        this.secret = SecretBytes.copyOf(secret);
        this.publicKey = publicKey.clone();
    }

    public KemId kem() {
        return kem;
    }

    /** {@code SerializePublicKey(pk)}. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    byte[] publicKeyNoCopy() {
        return publicKey;
    }

    /** {@code SerializePrivateKey(sk)}: the one way the secret leaves this object (read it with {@code reveal()}). */
    public SecretBytes serializedPrivateKey() {
        return secret;
    }

    /** Overwrites the private key bytes with zeros; the key is unusable afterwards. */
    public void destroy() {
        secret.destroy();
    }

    @Override
    public String toString() {
        return "HpkePrivateKey[" + kem + ", secret redacted]";
    }
}
