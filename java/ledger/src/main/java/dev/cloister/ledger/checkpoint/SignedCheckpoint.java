package dev.cloister.ledger.checkpoint;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.note.Note;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.note.SignedNote;
import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint whose note was verified: signed by the log's key, origin as expected, and its signatures by other known
 * keys (witness cosignatures) all valid. Follows transparency-dev/formats {@code log.ParseCheckpoint}: verify the
 * signature, then parse, then check the origin.
 */
public record SignedCheckpoint(Checkpoint checkpoint, Note note, SignedNote signedNote) {

    /**
     * Verifies {@code signedNote} under the log key, and every signature by {@code cosigners}, then parses it.
     *
     * @throws NoteVerificationException when the log's signature is missing or invalid, or a known cosignature invalid
     * @throws FormatException when the verified text is not a checkpoint for {@code log.origin()}
     */
    public static SignedCheckpoint open(SignedNote signedNote, LogIdentity log, List<? extends NoteVerifier> cosigners)
            throws NoteVerificationException, FormatException {
        List<NoteVerifier> known = new ArrayList<>(cosigners.size() + 1);
        known.add(log.key());
        known.addAll(cosigners);
        Note note = signedNote.open(known);
        boolean logSigned = note.verified().stream().anyMatch(v -> v.verifier() == log.key());
        if (!logSigned) {
            throw new NoteVerificationException("while verifying a checkpoint of " + log.origin()
                    + ": no signature by the log key " + log.key().name());
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.parse(note.textBytes().toByteArray());
        } catch (FormatException e) {
            throw FormatException.context(
                    "while reading a checkpoint signed by " + log.key().name(), e);
        }
        if (!checkpoint.origin().equals(log.origin())) {
            throw new FormatException(
                    "while reading a checkpoint: origin '" + checkpoint.origin() + "', want '" + log.origin() + "'");
        }
        return new SignedCheckpoint(checkpoint, note, signedNote);
    }

    /** Parses and verifies checkpoint bytes as served at {@code <prefix>/checkpoint}. */
    public static SignedCheckpoint open(byte[] signedNote, LogIdentity log, List<? extends NoteVerifier> cosigners)
            throws NoteVerificationException, FormatException {
        return open(SignedNote.parse(signedNote), log, cosigners);
    }
}
