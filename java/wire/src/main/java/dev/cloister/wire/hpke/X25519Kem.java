package dev.cloister.wire.hpke;

import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1 and §7.1.
 *
 * <p>{@code DH(skX, pkY)} is computed by the {@link X25519Engine} given (by default {@link X25519Engine#selected()}:
 * OpenSSL where {@code libcrypto.so.3} loads, else BouncyCastle); a public key from a private key is always
 * BouncyCastle's constant-time fixed-base {@code rfc7748.X25519}, which measured several times faster than the JDK's
 * {@code XDH} KeyAgreement in {@code PrimitiveChoiceBenchmark} (see the README).
 */
final class X25519Kem implements HpkeKem {

    private static final KemId ID = KemId.DHKEM_X25519_HKDF_SHA256;
    private static final Map<X25519Engine, X25519Kem> ALL = new EnumMap<>(X25519Engine.class);

    static {
        for (X25519Engine engine : X25519Engine.values()) ALL.put(engine, new X25519Kem(engine));
    }

    private final X25519Engine engine;

    private X25519Kem(X25519Engine engine) {
        this.engine = engine;
    }

    /** The KEM whose DH {@code engine} computes. */
    static X25519Kem of(X25519Engine engine) {
        return ALL.get(engine);
    }

    @Override
    public KemId id() {
        return ID;
    }

    @Override
    public HpkePrivateKey generateKeyPair(SecureRandom random) {
        byte[] sk = new byte[ID.nSk()];
        random.nextBytes(sk);
        try {
            return withPublicKey(sk);
        } finally {
            Arrays.fill(sk, (byte) 0);
        }
    }

    @Override
    public HpkePrivateKey deriveKeyPair(byte[] ikm) {
        HpkeKdf kdf = HpkeKdf.of(ID.kdf());
        byte[] suite = HpkeKem.kemSuiteId(ID);
        byte[] dkpPrk = kdf.labeledExtract(suite, new byte[0], "dkp_prk", ikm);
        byte[] sk = kdf.labeledExpand(suite, dkpPrk, "sk", new byte[0], ID.nSk());
        try {
            return withPublicKey(sk);
        } finally {
            Arrays.fill(dkpPrk, (byte) 0);
            Arrays.fill(sk, (byte) 0);
        }
    }

    @Override
    public HpkePrivateKey privateKey(byte[] serializedPrivateKey) throws HpkeException {
        if (serializedPrivateKey.length != ID.nSk()) {
            throw new HpkeException("X25519 private key must be 32 bytes, got " + serializedPrivateKey.length);
        }
        return withPublicKey(serializedPrivateKey);
    }

    private static HpkePrivateKey withPublicKey(byte[] sk) {
        return new HpkePrivateKey(ID, sk, X25519Engine.publicKey(sk));
    }

    @Override
    public Encapsulation encapsulate(byte[] recipientPublicKey, HpkePrivateKey ephemeral) throws HpkeException {
        if (ephemeral.kem() != ID) {
            throw new HpkeException("Encap: ephemeral key is for " + ephemeral.kem() + ", not " + ID);
        }
        checkPublicKey(recipientPublicKey);
        byte[] dh = dh(ephemeral, recipientPublicKey);
        byte[] enc = ephemeral.publicKey();
        byte[] shared = HpkeKem.extractAndExpand(ID, dh, HpkeKem.concat(enc, recipientPublicKey));
        Arrays.fill(dh, (byte) 0);
        return new Encapsulation(SecretBytes.takeFrom(shared), Bytes.of(enc));
    }

    @Override
    public byte[] decapsulate(byte[] enc, HpkePrivateKey recipient) throws HpkeException {
        if (recipient.kem() != ID) {
            throw new HpkeException("Decap: private key is for " + recipient.kem() + ", not " + ID);
        }
        checkPublicKey(enc);
        byte[] dh = new byte[ID.nPk()];
        if (!engine.agreeKept(recipient, enc, dh)) {
            Arrays.fill(dh, (byte) 0);
            throw new HpkeException("X25519: shared secret is all zero (small-order public key)");
        }
        byte[] shared = HpkeKem.extractAndExpand(ID, dh, HpkeKem.concat(enc, recipient.publicKeyNoCopy()));
        Arrays.fill(dh, (byte) 0);
        return shared;
    }

    private static void checkPublicKey(byte[] pk) throws HpkeException {
        if (pk.length != ID.nPk()) {
            throw new HpkeException("X25519 public key must be 32 bytes, got " + pk.length);
        }
    }

    /**
     * DH(sk, pk) with a key used once (an ephemeral key); an all-zero output (a small-order public key) is an error,
     * RFC 9180 §7.1.4. Decap uses {@link X25519Engine#agreeKept} instead: a recipient's key is used many times.
     */
    private byte[] dh(HpkePrivateKey key, byte[] pk) throws HpkeException {
        byte[] sk = key.serializedPrivateKey().reveal();
        byte[] out = new byte[ID.nPk()];
        try {
            if (!engine.agree(sk, key.publicKeyNoCopy(), pk, out)) {
                Arrays.fill(out, (byte) 0);
                throw new HpkeException("X25519: shared secret is all zero (small-order public key)");
            }
        } finally {
            Arrays.fill(sk, (byte) 0);
        }
        return out;
    }
}
