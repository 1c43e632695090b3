package dev.cloister.ledger.witness;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.Ed25519PublicKey;
import dev.cloister.ledger.note.KeyId;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.note.SignatureType;
import dev.cloister.ledger.note.VerifierKey;

/**
 * Verifies a witness's Ed25519 cosignature/v1 (type 0x04) over a checkpoint (c2sp.org/tlog-cosignature §"Format"):
 * key id {@code SHA-256(name || "\n" || 0x04 || key)[:4]}, signature = u64 timestamp || Ed25519 signature over
 * {@link CosignatureV1#message}.
 */
public final class CosignatureVerifier implements NoteVerifier {

    private final String name;
    private final int keyId;
    private final Ed25519PublicKey key;

    public CosignatureVerifier(String name, byte[] publicKey) {
        if (!KeyId.isValidName(name)) {
            throw new IllegalArgumentException("invalid cosigner name '" + name + "'");
        }
        this.name = name;
        this.key = Ed25519PublicKey.of(publicKey);
        this.keyId = KeyId.of(name, SignatureType.COSIGNATURE_V1, publicKey);
    }

    /** A verifier from a vkey of type 0x04. */
    public static CosignatureVerifier fromVkey(String vkey) throws FormatException {
        VerifierKey k = VerifierKey.parse(vkey);
        if (k.type() != SignatureType.COSIGNATURE_V1) {
            throw new FormatException("while reading the witness key " + k.name() + ": type " + k.type()
                    + ", want COSIGNATURE_V1 (0x04)");
        }
        return new CosignatureVerifier(k.name(), k.publicKey().toByteArray());
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
        return SignatureType.COSIGNATURE_V1;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
        long t = CosignatureV1.timestamp(signature);
        if (t < 0) {
            return false;
        }
        byte[] msg = CosignatureV1.message(t, text);
        return key.verify(signature, 8, msg, 0, msg.length);
    }

    /** This key as a vkey. */
    public VerifierKey verifierKey() {
        return new VerifierKey(name, keyId, SignatureType.COSIGNATURE_V1, Bytes.of(key.encoded()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosignatureVerifier v && v.name.equals(name) && v.key.equals(key);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + key.hashCode();
    }

    @Override
    public String toString() {
        return verifierKey().encode();
    }
}
