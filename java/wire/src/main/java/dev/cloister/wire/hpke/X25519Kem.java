package dev.cloister.wire.hpke;

import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1 and §7.1.
 *
 * <p>The scalar multiplication is BouncyCastle's constant-time {@code rfc7748.X25519}: it measured several times
 * faster than the JDK's {@code XDH} KeyAgreement in {@code PrimitiveChoiceBenchmark} (see the README).
 */
final class X25519Kem implements HpkeKem {

    static final X25519Kem INSTANCE = new X25519Kem();
    private static final KemId ID = KemId.DHKEM_X25519_HKDF_SHA256;

    private X25519Kem() {}

    @Override
    public KemId id() {
        return ID;
    }

    @Override
    public HpkePrivateKey generateKeyPair(SecureRandom random) {
        byte[] sk = new byte[X25519.SCALAR_SIZE];
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
        byte[] pk = new byte[X25519.POINT_SIZE];
        X25519.scalarMultBase(sk, 0, pk, 0);
        return new HpkePrivateKey(ID, sk, pk);
    }

    @Override
    public Encapsulation encapsulate(byte[] recipientPublicKey, HpkePrivateKey ephemeral) throws HpkeException {
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
        byte[] dh = dh(recipient, enc);
        byte[] shared = HpkeKem.extractAndExpand(ID, dh, HpkeKem.concat(enc, recipient.publicKeyNoCopy()));
        Arrays.fill(dh, (byte) 0);
        return shared;
    }

    private static void checkPublicKey(byte[] pk) throws HpkeException {
        if (pk.length != ID.nPk()) {
            throw new HpkeException("X25519 public key must be 32 bytes, got " + pk.length);
        }
    }

    /** DH(sk, pk); an all-zero output (a small-order public key) is an error, RFC 9180 §7.1.4. */
    private static byte[] dh(HpkePrivateKey key, byte[] pk) throws HpkeException {
        byte[] sk = key.serializedPrivateKey().reveal();
        byte[] out = new byte[X25519.POINT_SIZE];
        try {
            if (!X25519.calculateAgreement(sk, 0, pk, 0, out, 0)) {
                throw new HpkeException("X25519: shared secret is all zero (small-order public key)");
            }
        } finally {
            Arrays.fill(sk, (byte) 0);
        }
        return out;
    }
}
