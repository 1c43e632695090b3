package dev.cloister.ledger.note;

import dev.cloister.base.Bytes;

/** Verifies Ed25519 (type 0x01) note signatures (c2sp.org/signed-note §"Ed25519 signatures"). */
public final class Ed25519NoteVerifier implements NoteVerifier {

    private final String name;
    private final int keyId;
    private final Ed25519PublicKey key;

    /** A verifier for {@code name} and the 32-byte public key; the key id is derived from both. */
    public Ed25519NoteVerifier(String name, byte[] publicKey) {
        if (!KeyId.isValidName(name)) {
            throw new IllegalArgumentException("invalid key name '" + name + "'");
        }
        this.name = name;
        this.key = Ed25519PublicKey.of(publicKey);
        this.keyId = KeyId.of(name, SignatureType.ED25519, publicKey);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int keyId() {
        return keyId;
    }

    @Override
    public SignatureType type() {
        return SignatureType.ED25519;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
        return key.verify(signature, 0, text, 0, text.length);
    }

    /** This key as a vkey. */
    public VerifierKey verifierKey() {
        return new VerifierKey(name, keyId, SignatureType.ED25519, Bytes.of(key.encoded()));
    }

    @Override
    public String toString() {
        return verifierKey().encode();
    }
}
