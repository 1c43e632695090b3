package dev.cloister.wire.hpke;

import dev.cloister.base.SecretBytes;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Objects;

/**
 * A KEM private key with its public key. The private key is held as {@link SecretBytes}
 * ({@code SerializePrivateKey(sk)}), so it never appears in {@code toString()} and every read of it is a
 * {@code reveal()} (the KEMs of this package, for the DH, and callers of {@link #serializedPrivateKey()} that must
 * persist a key). {@link #destroy()} zeroes it; a destroyed key refuses to be used.
 *
 * <p>An X25519 key that decapsulates with {@link X25519Engine#OPENSSL} is imported into OpenSSL at its first use and
 * kept there ({@link OpenSslX25519.KeptKey}) until {@link #destroy()}, or until this object becomes unreachable.
 */
public final class HpkePrivateKey {

    private static final Cleaner CLEANER = Cleaner.create();

    private final KemId kem;
    private final SecretBytes secret;
    private final byte[] publicKey;
    private volatile OpenSslX25519.KeptKey kept;
    private Cleaner.Cleanable keptCleanable; // guarded by this

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

    /** Overwrites the private key bytes with zeros, and frees OpenSSL's copy; the key is unusable afterwards. */
    public void destroy() {
        secret.destroy();
        synchronized (this) {
            if (keptCleanable != null) keptCleanable.clean();
        }
    }

    /** This key imported into {@code openSsl} once, for every later call; throws once the key is destroyed. */
    OpenSslX25519.KeptKey keptIn(OpenSslX25519 openSsl) {
        OpenSslX25519.KeptKey known = kept;
        if (known != null) return known;
        synchronized (this) {
            if (kept == null) {
                byte[] sk = secret.reveal();
                try {
                    OpenSslX25519.KeptKey imported = new OpenSslX25519.KeptKey(openSsl, sk, publicKey);
                    keptCleanable = CLEANER.register(this, imported);
                    kept = imported;
                } finally {
                    Arrays.fill(sk, (byte) 0);
                }
            }
            return kept;
        }
    }

    @Override
    public String toString() {
        return "HpkePrivateKey[" + kem + ", secret redacted]";
    }
}
