package dev.cloister.ledger.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.PolicyException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.testing.TestLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** c2sp.org/tlog-proof: produce, encode, parse and verify offline; one named negative case each. */
class TlogProofTest {

    @TempDir
    static Path dir;

    static TestLog log;
    static LogIdentity id;

    @BeforeAll
    static void build() throws Exception {
        log = new TestLog(dir);
        log.growTo(1234);
        id = log.sequencer.identity();
    }

    static TlogProof proof(long index) throws Exception {
        TlogProof p = log.sequencer.tlogProof(index, Optional.of(Bytes.of("hello".getBytes())));
        return new TlogProof(p.extra(), p.index(), p.proof(), log.cosigned(TestLog.NOW.minusSeconds(10), 0, 1, 2));
    }

    static String text(TlogProof p) {
        return new String(p.encode(), StandardCharsets.UTF_8);
    }

    static TlogProof parse(String s) throws FormatException {
        return TlogProof.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void roundTripAndVerify() throws Exception {
        TlogProof p = proof(777);
        String s = text(p);
        assertTrue(s.startsWith("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nindex 777\n"), s);
        assertTrue(s.contains("=\n\n" + TestLog.ORIGIN + "\n1234\n"), s);
        TlogProof back = parse(s);
        assertEquals(s, text(back));
        TlogProof.Verified v = back.verify(TreeHash.leafHash(TestLog.entry(777)), id, log.twoOfThree(), TestLog.NOW);
        assertEquals(1234, v.checkpoint().checkpoint().size());
        assertEquals(3, v.cosignatures().size());
        assertEquals(Bytes.of("hello".getBytes()), back.extra().orElseThrow());
    }

    @Test
    void proofWithoutExtraLine() throws Exception {
        TlogProof p = log.sequencer.tlogProof(0, Optional.empty());
        assertTrue(text(p).startsWith("c2sp.org/tlog-proof@v1\nindex 0\n"));
        parse(text(p))
                .verify(
                        TreeHash.leafHash(TestLog.entry(0)),
                        id,
                        dev.cloister.ledger.witness.WitnessPolicy.none(),
                        TestLog.NOW);
    }

    @Test
    void wrongEntryIsRefused() throws Exception {
        ProofException e = assertThrows(
                ProofException.class,
                () -> proof(777).verify(TreeHash.leafHash(TestLog.entry(778)), id, log.twoOfThree(), TestLog.NOW));
        assertTrue(e.computedRoot().isPresent());
    }

    @Test
    void wrongIndexIsRefused() throws Exception {
        String s = text(proof(777)).replace("index 777", "index 776");
        assertThrows(
                ProofException.class,
                () -> parse(s).verify(TreeHash.leafHash(TestLog.entry(777)), id, log.twoOfThree(), TestLog.NOW));
    }

    @Test
    void proofForTheWrongSizeIsRefused() throws Exception {
        // A proof built for size 1000 presented with the checkpoint for size 1234.
        TlogProof p = proof(777);
        var forOldSize = log.sequencer.inclusionProof(777, 1000);
        TlogProof mixed = new TlogProof(Optional.empty(), 777, forOldSize.hashes(), p.checkpoint());
        assertThrows(
                ProofException.class,
                () -> mixed.verify(TreeHash.leafHash(TestLog.entry(777)), id, log.twoOfThree(), TestLog.NOW));
    }

    @Test
    void unknownLogKeyIsRefused() throws Exception {
        LogIdentity other = new LogIdentity(
                TestLog.ORIGIN,
                Ed25519NoteSigner.generate(TestLog.ORIGIN, new SecureRandom()).verifier());
        assertThrows(
                NoteVerificationException.class,
                () -> proof(1).verify(TreeHash.leafHash(TestLog.entry(1)), other, log.twoOfThree(), TestLog.NOW));
    }

    @Test
    void tooFewWitnessesAreRefused() throws Exception {
        TlogProof p = log.sequencer.tlogProof(3, Optional.empty());
        TlogProof one = new TlogProof(Optional.empty(), 3, p.proof(), log.cosigned(TestLog.NOW, 2));
        assertThrows(
                PolicyException.class,
                () -> one.verify(TreeHash.leafHash(TestLog.entry(3)), id, log.twoOfThree(), TestLog.NOW));
    }

    @Test
    void tamperedCheckpointIsRefused() throws Exception {
        String s = text(proof(5)).replace("\n1234\n", "\n1235\n");
        assertThrows(
                NoteVerificationException.class,
                () -> parse(s).verify(TreeHash.leafHash(TestLog.entry(5)), id, log.twoOfThree(), TestLog.NOW));
    }

    @Test
    void malformedProofFilesAreRefused() throws Exception {
        String good = text(proof(777));
        for (String bad : new String[] {
            good.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
            good.replace("index 777", "index 0777"),
            good.replace("index 777", "index -1"),
            good.replace("index 777\n", ""),
            good.replace("extra aGVsbG8=", "extra aGVsbG8"),
            good.replace("=\n\n" + TestLog.ORIGIN, "=\n" + TestLog.ORIGIN),
            good.substring(0, good.indexOf("\n\n")),
            good.replaceFirst("\nindex 777\n([^\n]{10})", "\nindex 777\n$1x"),
            good.replace("index 777\n", "index 777\r\n"),
            "",
        }) {
            assertThrows(FormatException.class, () -> parse(bad), bad);
        }
    }
}
