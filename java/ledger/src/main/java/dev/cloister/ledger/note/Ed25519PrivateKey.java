package dev.cloister.ledger.note;

import dev.cloister.base.Hex;
import dev.cloister.base.SecretBytes;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An RFC 8032 Ed25519 private key (the 32-byte seed), held as {@link SecretBytes}: every read of the seed is a
 * {@code reveal()} (to sign, and {@link #seedForEncoding()} to write an skey), and {@link #toString()} shows only
 * the public key. {@link #destroy()} zeroes the seed; a destroyed key refuses to sign.
 */
public final class Ed25519PrivateKey {

    private final SecretBytes seed;
    private final Ed25519PublicKey publicKey;

    private Ed25519PrivateKey(SecretBytes seed) {
        this.seed = seed;
        byte[] sk = seed.reveal();
        byte[] pk = new byte[Ed25519PublicKey.SIZE];
        Ed25519.generatePublicKey(sk, 0, pk, 0);
        Arrays.fill(sk, (byte) 0);
        this.publicKey = Ed25519PublicKey.of(pk);
    }

    /** A key from its 32-byte seed. */
    public static Ed25519PrivateKey fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("Ed25519 seed of " + seed.length + " bytes, want 32");
        }
        return new Ed25519PrivateKey(SecretBytes.copyOf(seed));
    }

    /** A fresh random key. */
    public static Ed25519PrivateKey generate(SecureRandom random) {
        return new Ed25519PrivateKey(SecretBytes.random(random, 32));
    }

    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    /** RFC 8032 §5.1.6 signature (64 bytes) over {@code message}. */
    public byte[] sign(byte[] message) {
        byte[] sig = new byte[Ed25519PublicKey.SIGNATURE_SIZE];
        byte[] sk = seed.reveal();
        try {
            Ed25519.sign(sk, 0, message, 0, message.length, sig, 0);
        } finally {
            Arrays.fill(sk, (byte) 0);
        }
        return sig;
    }

    /** The raw seed, for writing an skey; the caller zeroes it. */
    byte[] seedForEncoding() {
        return seed.reveal();
    }

    /** Overwrites the seed; later signatures fail. */
    public void destroy() {
        seed.destroy();
    }

    @Override
    public String toString() {
        return "Ed25519PrivateKey[public=" + Hex.format(publicKey.encoded()) + "]";
    }
}
