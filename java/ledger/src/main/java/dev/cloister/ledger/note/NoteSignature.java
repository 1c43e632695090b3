package dev.cloister.ledger.note;

import dev.cloister.base.Bytes;
import java.util.Base64;

/**
 * One signature line of a signed note, {@code — <key name> base64(32-bit key ID || signature)}
 * (c2sp.org/signed-note §"Signatures"). {@code signature} is the algorithm-specific part, without the key id.
 */
public record NoteSignature(String keyName, int keyId, Bytes signature) {

    public NoteSignature {
        if (!KeyId.isValidName(keyName)) {
            throw new IllegalArgumentException("invalid key name '" + keyName + "'");
        }
        if (signature.isEmpty()) {
            throw new IllegalArgumentException("empty signature for key " + keyName);
        }
    }

    /** The signature line including the em dash prefix and the final newline. */
    public String line() {
        byte[] raw = new byte[4 + signature.length()];
        raw[0] = (byte) (keyId >>> 24);
        raw[1] = (byte) (keyId >>> 16);
        raw[2] = (byte) (keyId >>> 8);
        raw[3] = (byte) keyId;
        signature.copyTo(raw, 4);
        return "\u2014 " + keyName + " " + Base64.getEncoder().encodeToString(raw) + "\n";
    }

    boolean sameKey(NoteVerifier verifier) {
        return keyId == verifier.keyId() && keyName.equals(verifier.name());
    }
}
