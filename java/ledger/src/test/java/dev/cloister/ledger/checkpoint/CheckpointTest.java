package dev.cloister.ledger.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.SignedNote;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** c2sp.org/tlog-checkpoint §"Note text", one named negative case per rule. */
class CheckpointTest {

    private static final String ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    private static final Ed25519NoteSigner LOG = Ed25519NoteSigner.generate("example.com/log", new SecureRandom());

    private static Checkpoint parse(String s) throws FormatException {
        return Checkpoint.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(String s) {
        assertThrows(FormatException.class, () -> parse(s));
    }

    @Test
    void parsesAndFormatsWithExtensions() throws Exception {
        String text = "example.com/behind-the-sofa\n20852163\n" + ROOT + "\next one\next two\n";
        Checkpoint cp = parse(text);
        assertEquals("example.com/behind-the-sofa", cp.origin());
        assertEquals(20852163, cp.size());
        assertEquals(List.of("ext one", "ext two"), cp.extensions());
        assertEquals(text, cp.toText());
    }

    @Test
    void sizeZeroIsCanonical() throws Exception {
        assertEquals(0, parse("o\n0\n" + ROOT + "\n").size());
    }

    @Test
    void leadingZeroInSizeIsRefused() {
        refused("o\n00\n" + ROOT + "\n");
        refused("o\n0123\n" + ROOT + "\n");
    }

    @Test
    void signOrSpaceInSizeIsRefused() {
        refused("o\n+5\n" + ROOT + "\n");
        refused("o\n-5\n" + ROOT + "\n");
        refused("o\n 5\n" + ROOT + "\n");
    }

    @Test
    void sizeAbove2pow63IsRefused() throws Exception {
        assertEquals(
                Long.MAX_VALUE, parse("o\n9223372036854775807\n" + ROOT + "\n").size());
        refused("o\n9223372036854775808\n" + ROOT + "\n");
        refused("o\n99999999999999999999\n" + ROOT + "\n");
    }

    @Test
    void rootHashMustBeCanonicalBase64Of32Bytes() {
        refused("o\n5\n" + ROOT.substring(4) + "\n");
        refused("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"); // non-zero padding bits
        refused("o\n5\n" + ROOT.replace('/', '_') + "\n"); // URL alphabet
    }

    @Test
    void fewerThanThreeLinesIsRefused() {
        refused("o\n5\n");
    }

    @Test
    void emptyLinesAreRefused() {
        refused("\n5\n" + ROOT + "\n");
        refused("o\n5\n" + ROOT + "\n\n");
        refused("o\n5\n" + ROOT + "\next\n\next\n");
    }

    @Test
    void missingFinalNewlineIsRefused() {
        refused("o\n5\n" + ROOT);
    }

    @Test
    void oversizedTextIsRefused() {
        refused("o\n5\n" + ROOT + "\n" + "x".repeat(Checkpoint.MAX_TEXT_SIZE) + "\n");
    }

    @Test
    void signedCheckpointChecksLogKeyAndOrigin() throws Exception {
        Checkpoint cp = new Checkpoint("example.com/log", 3, Bytes.of(TreeHash.leafHash(new byte[] {1})));
        SignedNote signed = SignedNote.sign(cp.toText(), List.of(LOG));
        LogIdentity id = new LogIdentity("example.com/log", LOG.verifier());
        SignedCheckpoint v = SignedCheckpoint.open(signed.encode(), id, List.of());
        assertEquals(cp, v.checkpoint());
        assertEquals(cp.rootHash(), v.checkpoint().rootHash());

        FormatException wrongOrigin = assertThrows(
                FormatException.class,
                () -> SignedCheckpoint.open(signed, new LogIdentity("example.com/other", LOG.verifier()), List.of()));
        assertTrue(wrongOrigin.getMessage().contains("origin"), wrongOrigin.getMessage());

        Ed25519NoteSigner other = Ed25519NoteSigner.generate("example.com/log", new SecureRandom());
        assertThrows(
                NoteVerificationException.class,
                () -> SignedCheckpoint.open(signed, new LogIdentity("example.com/log", other.verifier()), List.of()));
        // Signed by a known cosigner-like key but not by the log: refused.
        SignedNote byOther = SignedNote.sign(cp.toText(), List.of(other));
        assertThrows(
                NoteVerificationException.class, () -> SignedCheckpoint.open(byOther, id, List.of(other.verifier())));
    }
}
