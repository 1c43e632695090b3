package dev.cloister.ledger.note;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.util.List;

class SignedNoteFuzzTest {

    private static final NoteVerifier KEY =
            new Ed25519NoteSigner("example.com/log", Ed25519PrivateKey.fromSeed(new byte[32])).verifier();

    /**
     * Any input either fails with a FormatException or parses to a note that re-encodes to the same bytes; opening
     * it under a key fails only with NoteVerificationException; its text, read as a checkpoint, re-formats exactly;
     * the same bytes read as a vkey fail only with FormatException.
     */
    @FuzzTest
    void parseOpenAndReencode(byte[] input) {
        try {
            VerifierKey.parse(new String(input, StandardCharsets.UTF_8));
        } catch (FormatException expected) {
            // fine
        }
        SignedNote note;
        try {
            note = SignedNote.parse(input);
        } catch (FormatException e) {
            return;
        }
        assertArrayEquals(input, note.encode());
        try {
            note.open(List.of(KEY));
        } catch (NoteVerificationException e) {
            // fine: random signatures do not verify
        }
        try {
            Checkpoint cp = Checkpoint.parse(note.text());
            assertEquals(new String(note.text(), StandardCharsets.UTF_8), cp.toText());
        } catch (FormatException e) {
            // fine
        }
    }
}
