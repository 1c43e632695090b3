package dev.cloister.ledger.note;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;

/**
 * Verifies ECDSA (type 0x02) note signatures as transparency-dev/witness and Sigstore Rekor produce them: an ASN.1 DER
 * ECDSA signature with SHA-256 over the note text; the key material is the SPKI DER encoding and the key id is
 * {@code SHA-256(SPKI)[:4]} (c2sp.org/signed-note §"Signature types"). Only for reading other ecosystems' logs.
 */
public final class EcdsaNoteVerifier implements NoteVerifier {

    private final String name;
    private final int keyId;
    private final PublicKey key;

    private EcdsaNoteVerifier(String name, int keyId, PublicKey key) {
        this.name = name;
        this.keyId = keyId;
        this.key = key;
    }

    static EcdsaNoteVerifier create(String name, int keyId, byte[] spki) throws FormatException {
        String context = "while reading the ECDSA key " + name;
        int want = KeyId.first4(TreeHash.sha256(spki));
        if (want != keyId) {
            throw new FormatException(context + ": key id " + KeyId.hex(keyId) + ", want " + KeyId.hex(want));
        }
        try {
            PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
            int bits = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384 && bits != 521) {
                throw new FormatException(context + ": curve of " + bits + " bits is not P-256, P-384 or P-521");
            }
            return new EcdsaNoteVerifier(name, keyId, key);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new FormatException(context + ": not an EC SPKI", e);
        }
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
        return SignatureType.ECDSA;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(key);
            s.update(text);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
