package dev.cloister.ledger.note;

import dev.cloister.base.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A note whose signatures were checked by {@link SignedNote#open}: its text may now be parsed. {@code verified} lists
 * the signatures by known keys (all valid); {@code unverified} the ignored ones by unknown keys.
 */
public record Note(Bytes textBytes, List<VerifiedSignature> verified, List<NoteSignature> unverified) {

    /** A signature together with the known key that verified it. */
    public record VerifiedSignature(NoteVerifier verifier, NoteSignature signature) {}

    public Note {
        verified = List.copyOf(verified);
        unverified = List.copyOf(unverified);
    }

    /** The authenticated note text, final newline included. */
    public String text() {
        return new String(textBytes.toByteArray(), StandardCharsets.UTF_8);
    }
}
