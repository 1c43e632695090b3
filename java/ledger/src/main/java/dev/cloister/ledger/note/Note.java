package dev.cloister.ledger.note;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A note whose signatures were checked by {@link SignedNote#open}: its text may now be parsed. {@code verified} lists
 * the signatures by known keys (all valid); {@code unverified} the ignored ones by unknown keys.
 */
public record Note(byte[] textBytes, List<VerifiedSignature> verified, List<NoteSignature> unverified) {

    /** A signature together with the known key that verified it. */
    public record VerifiedSignature(NoteVerifier verifier, NoteSignature signature) {}

    public Note {
        textBytes = textBytes.clone();
        verified = List.copyOf(verified);
        unverified = List.copyOf(unverified);
    }

    @Override
    public byte[] textBytes() {
        return textBytes.clone();
    }

    /** The authenticated note text, final newline included. */
    public String text() {
        return new String(textBytes, StandardCharsets.UTF_8);
    }
}
