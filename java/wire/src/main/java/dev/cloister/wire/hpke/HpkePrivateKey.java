package dev.cloister.wire.hpke;

import java.util.Arrays;
import java.util.Objects;

/**
 * A KEM private key with its public key. The private key bytes never appear in {@code toString()}; the only reads of
 * them are {@link #secretBytesForKem()} (package-private, for the DH) and {@link #exportSecret()} (explicit, for
 * callers that must persist a key). {@link #destroy()} zeroes them.
 */
public final class HpkePrivateKey {

    private final KemId kem;
    private final byte[] secret;
    private final byte[] publicKey;

    HpkePrivateKey(KemId kem, byte[] secret, byte[] publicKey) {
        this.kem = Objects.requireNonNull(kem);
        if (secret.length != kem.nSk() || publicKey.length != kem.nPk()) {
            throw new IllegalArgumentException("key lengths do not match " + kem);
        }
        this.secret = secret.clone();
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

    byte[] secretBytesForKem() {
        return secret;
    }

    /** {@code SerializePrivateKey(sk)}: the one explicit way the secret leaves this object. */
    public byte[] exportSecret() {
        return secret.clone();
    }

    /** Overwrites the private key bytes with zeros; the key is unusable afterwards. */
    public void destroy() {
        Arrays.fill(secret, (byte) 0);
    }

    @Override
    public String toString() {
        return "HpkePrivateKey[" + kem + ", secret redacted]";
    }
}
