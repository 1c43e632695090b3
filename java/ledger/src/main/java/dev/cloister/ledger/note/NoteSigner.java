package dev.cloister.ledger.note;

/** A key that signs note text (c2sp.org/signed-note). */
public interface NoteSigner {

    /** The key name that goes in the signature line. */
    String name();

    /** The 32-bit key id. */
    int keyId();

    /** Signs the note text (final newline included) and returns the signature without the key id. */
    byte[] sign(byte[] text);

    /** The {@link NoteVerifier} for this signer's public key. */
    NoteVerifier verifier();
}
