package dev.cloister.ledger.note;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An RFC 8032 Ed25519 private key (the 32-byte seed). The seed is only readable through {@link #seedForEncoding()},
 * so every export can be found with a search; {@link #toString()} shows nothing secret.
 */
public final class Ed25519PrivateKey {

    private final byte[] seed;
    private final Ed25519PublicKey publicKey;

    private Ed25519PrivateKey(byte[] seed) {
        this.seed = seed;
        byte[] pk = new byte[Ed25519PublicKey.SIZE];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        this.publicKey = Ed25519PublicKey.of(pk);
    }

    /** A key from its 32-byte seed. */
    public static Ed25519PrivateKey fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("Ed25519 seed of " + seed.length + " bytes, want 32");
        }
        return new Ed25519PrivateKey(seed.clone());
    }

    /** A fresh random key. */
    public static Ed25519PrivateKey generate(SecureRandom random) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return new Ed25519PrivateKey(seed);
    }

    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    /** RFC 8032 §5.1.6 signature (64 bytes) over {@code message}. */
    public byte[] sign(byte[] message) {
        byte[] sig = new byte[Ed25519PublicKey.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    /** The raw seed, for writing an skey. The only read of the secret. */
    byte[] seedForEncoding() {
        return seed.clone();
    }

    /** Overwrites the seed; the key must not be used afterwards. */
    public void destroy() {
        Arrays.fill(seed, (byte) 0);
    }

    @Override
    public String toString() {
        return "Ed25519PrivateKey[public=" + java.util.HexFormat.of().formatHex(publicKey.encoded()) + "]";
    }
}
