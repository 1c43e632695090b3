package dev.cloister.ledger.note;

import dev.cloister.ledger.merkle.TreeHash;
import java.nio.charset.StandardCharsets;

/**
 * Key ids (c2sp.org/signed-note §"Signatures"): {@code SHA-256(key name || 0x0A || signature type || public key)[:4]}
 * read as a big-endian uint32.
 */
public final class KeyId {

    private KeyId() {}

    /** The recommended key id for a key of this name, type and public key encoding. */
    public static int of(String name, SignatureType type, byte[] publicKey) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return first4(TreeHash.sha256(n, new byte[] {0x0A, type.id()}, publicKey));
    }

    /** The first four bytes of {@code bytes} as a big-endian uint32. */
    static int first4(byte[] bytes) {
        return ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
    }

    /** The fixed-length lowercase hex encoding used in vkeys. */
    public static String hex(int keyId) {
        return String.format("%08x", keyId);
    }

    /**
     * A key name is valid when it is non-empty and holds no Unicode space and no plus (c2sp.org/signed-note
     * §"Format").
     */
    public static boolean isValidName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (cp == '+' || cp < 0x20 || Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }
}
