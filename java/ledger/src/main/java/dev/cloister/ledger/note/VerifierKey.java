package dev.cloister.ledger.note;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.util.Base64;

/**
 * A verifier key ("vkey") in its text encoding, {@code <key name>+hex(32-bit key ID)+base64(signature type || public
 * key)} (c2sp.org/signed-note §"Verifier keys"). Parsing checks the structure and, for Ed25519 (0x01) and cosignature
 * (0x04) keys, that the key id is the one derived from name, type and key.
 */
public record VerifierKey(String name, int keyId, SignatureType type, Bytes publicKey) {

    /** Longest vkey text accepted (ML-DSA keys are ~1.7 KiB of base64; we speak none, so 4 KiB is ample). */
    public static final int MAX_LENGTH = 4096;

    public VerifierKey {
        if (!KeyId.isValidName(name)) {
            throw new IllegalArgumentException("invalid key name '" + name + "'");
        }
    }

    /** Parses a vkey string. */
    public static VerifierKey parse(String vkey) throws FormatException {
        String context = "while parsing a verifier key";
        if (vkey.length() > MAX_LENGTH) {
            throw new FormatException(context + ": " + vkey.length() + " characters, more than " + MAX_LENGTH);
        }
        int p1 = vkey.indexOf('+');
        int p2 = p1 < 0 ? -1 : vkey.indexOf('+', p1 + 1);
        if (p1 <= 0 || p2 < 0) { // the base64 key may itself hold plus signs
            throw new FormatException(context + ": want name+hash+key");
        }
        String name = vkey.substring(0, p1);
        String hash = vkey.substring(p1 + 1, p2);
        if (!KeyId.isValidName(name)) {
            throw new FormatException(context + ": invalid key name");
        }
        int keyId = parseKeyId(context, hash);
        byte[] material = decodeBase64(context, vkey.substring(p2 + 1));
        if (material.length < 2) {
            throw new FormatException(context + ": key material of " + material.length + " bytes");
        }
        SignatureType type = SignatureType.of(material[0]);
        if (type == null) {
            throw new FormatException(context + String.format(": unsupported signature type 0x%02x", material[0]));
        }
        byte[] key = java.util.Arrays.copyOfRange(material, 1, material.length);
        if (type == SignatureType.ED25519 || type == SignatureType.COSIGNATURE_V1) {
            if (key.length != 32) {
                throw new FormatException(context + ": Ed25519 key of " + key.length + " bytes, want 32");
            }
            try {
                Ed25519PublicKey.of(key);
            } catch (IllegalArgumentException e) {
                throw new FormatException(context + ": " + e.getMessage(), e);
            }
            int want = KeyId.of(name, type, key);
            if (want != keyId) {
                throw new FormatException(
                        context + ": key id " + KeyId.hex(keyId) + " does not match the key, want " + KeyId.hex(want));
            }
        }
        return new VerifierKey(name, keyId, type, Bytes.of(key));
    }

    static int parseKeyId(String context, String hash) throws FormatException {
        if (hash.length() != 8 || !hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new FormatException(context + ": key id must be 8 lowercase hex digits, got '" + hash + "'");
        }
        return Integer.parseUnsignedInt(hash, 16);
    }

    static byte[] decodeBase64(String context, String text) throws FormatException {
        try {
            byte[] out = Base64.getDecoder().decode(text);
            if (!Base64.getEncoder().encodeToString(out).equals(text)) {
                throw new FormatException(context + ": non-canonical base64");
            }
            return out;
        } catch (IllegalArgumentException e) {
            throw new FormatException(context + ": invalid base64", e);
        }
    }

    /** The vkey text encoding. */
    public String encode() {
        byte[] material = new byte[1 + publicKey.length()];
        material[0] = type.id();
        publicKey.copyTo(material, 1);
        return name + "+" + KeyId.hex(keyId) + "+" + Base64.getEncoder().encodeToString(material);
    }

    /** A verifier for this key: Ed25519 or ECDSA note signatures. Cosignature keys are verified by the witness package. */
    public NoteVerifier noteVerifier() throws FormatException {
        return switch (type) {
            case ED25519 -> new Ed25519NoteVerifier(name, publicKey.toByteArray());
            case ECDSA -> EcdsaNoteVerifier.create(name, keyId, publicKey.toByteArray());
            case COSIGNATURE_V1 ->
                throw new FormatException(
                        "while making a note verifier for " + name
                                + ": a cosignature/v1 key verifies cosignatures, use dev.cloister.ledger.witness.CosignatureVerifier");
        };
    }

    @Override
    public String toString() {
        return encode();
    }
}
