package dev.cloister.wire.hpke;

import java.security.SecureRandom;

/**
 * A Diffie-Hellman based KEM of RFC 9180 §4.1: {@code GenerateKeyPair}, {@code DeriveKeyPair}, {@code Encap} and
 * {@code Decap}.
 */
public sealed interface HpkeKem permits X25519Kem, P256Kem {

    KemId id();

    /** {@code GenerateKeyPair()}. */
    HpkePrivateKey generateKeyPair(SecureRandom random);

    /** {@code DeriveKeyPair(ikm)} (RFC 9180 §7.1.3). */
    HpkePrivateKey deriveKeyPair(byte[] ikm) throws HpkeException;

    /** {@code DeserializePrivateKey(skm)}, with the public key computed from it. */
    HpkePrivateKey privateKey(byte[] serializedPrivateKey) throws HpkeException;

    /** {@code Encap(pkR)} with a fresh ephemeral key. */
    default Encapsulation encapsulate(byte[] recipientPublicKey, SecureRandom random) throws HpkeException {
        return encapsulate(recipientPublicKey, generateKeyPair(random));
    }

    /** {@code Encap(pkR)} with the given ephemeral key pair (deterministic: for test vectors). */
    Encapsulation encapsulate(byte[] recipientPublicKey, HpkePrivateKey ephemeral) throws HpkeException;

    /** {@code Decap(enc, skR)}. */
    byte[] decapsulate(byte[] enc, HpkePrivateKey recipient) throws HpkeException;

    static HpkeKem of(KemId id) {
        return switch (id) {
            case DHKEM_X25519_HKDF_SHA256 -> X25519Kem.of(X25519Engine.selected());
            case DHKEM_P256_HKDF_SHA256 -> P256Kem.INSTANCE;
        };
    }

    /** {@code suite_id = concat("KEM", I2OSP(kem_id, 2))} (RFC 9180 §4.1). */
    static byte[] kemSuiteId(KemId id) {
        return new byte[] {'K', 'E', 'M', (byte) (id.id() >>> 8), (byte) id.id()};
    }

    /**
     * {@code ExtractAndExpand(dh, kem_context)}: {@code eae_prk = LabeledExtract("", "eae_prk", dh)}, then
     * {@code LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)}.
     */
    static byte[] extractAndExpand(KemId id, byte[] dh, byte[] kemContext) {
        HpkeKdf kdf = HpkeKdf.of(id.kdf());
        byte[] suite = kemSuiteId(id);
        byte[] eaePrk = kdf.labeledExtract(suite, new byte[0], "eae_prk", dh);
        byte[] shared = kdf.labeledExpand(suite, eaePrk, "shared_secret", kemContext, id.nSecret());
        java.util.Arrays.fill(eaePrk, (byte) 0);
        return shared;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
