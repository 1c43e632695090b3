package dev.cloister.ledger.note;

/**
 * A key that can verify note signatures (c2sp.org/signed-note). The pair (name, key id) identifies it; signatures
 * that match both are verified with it, others are ignored.
 */
public interface NoteVerifier {

    /** The key name. */
    String name();

    /** The 32-bit key id. */
    int keyId();

    /** The signature type this key verifies. */
    SignatureType type();

    /**
     * Whether {@code signature} (the bytes after the key id) is valid over {@code text} (the note text, final newline
     * included). Never throws for a malformed signature: it is simply invalid.
     */
    boolean verify(byte[] text, byte[] signature);
}
