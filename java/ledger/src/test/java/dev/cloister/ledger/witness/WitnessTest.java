package dev.cloister.ledger.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.AddCheckpointException;
import dev.cloister.ledger.AddCheckpointException.Status;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.testing.TestLog;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** c2sp.org/tlog-witness add-checkpoint: every outcome the spec names, one test each. */
class WitnessTest {

    @TempDir
    Path logDir;

    @TempDir
    Path forkDir;

    @TempDir
    Path stateDir;

    TestLog log;
    Cosigner cosigner;
    Witness witness;

    @BeforeEach
    void setUp() throws Exception {
        log = new TestLog(logDir);
        cosigner = new Cosigner("witness.cloister.example", Ed25519PrivateKey.generate(new SecureRandom()));
        witness = new Witness(cosigner, List.of(log.sequencer.identity()), new DirectoryCheckpointStore(stateDir));
    }

    private byte[] request(long oldSize) throws Exception {
        long size = log.sequencer.size();
        List<Bytes> proof = oldSize == 0 || oldSize == size
                ? List.of()
                : log.sequencer.consistencyProof(oldSize, size).hashes();
        return new AddCheckpointRequest(oldSize, proof, log.sequencer.checkpoint()).encode();
    }

    private AddCheckpointException refused(byte[] body) {
        return assertThrows(AddCheckpointException.class, () -> witness.addCheckpoint(body, TestLog.NOW));
    }

    @Test
    void cosignsFromZeroThenWithConsistencyProofs() throws Exception {
        log.growTo(100);
        byte[] response = witness.addCheckpoint(request(0), TestLog.NOW);
        SignedNote cosigned = log.sequencer.checkpoint().withSignatureLines(response);
        WitnessPolicy policy = WitnessPolicy.quorum(1, List.of(cosigner.verifier()), java.time.Duration.ofHours(1));
        SignedCheckpoint v = SignedCheckpoint.open(cosigned, log.sequencer.identity(), policy.witnesses());
        assertEquals(1, policy.check(v.note(), TestLog.NOW).size());

        log.growTo(1000);
        witness.addCheckpoint(request(100), TestLog.NOW);
        witness.addCheckpoint(request(1000), TestLog.NOW); // same checkpoint again
        // The state survives a restart.
        Witness again =
                new Witness(cosigner, List.of(log.sequencer.identity()), new DirectoryCheckpointStore(stateDir));
        log.growTo(1001);
        again.addCheckpoint(request(1000), TestLog.NOW);
    }

    @Test
    void requestRoundTrips() throws Exception {
        log.growTo(300);
        witness.addCheckpoint(request(0), TestLog.NOW);
        log.growTo(700);
        byte[] body = request(300);
        assertTrue(new String(body).startsWith("old 300\n"));
        assertEquals(
                new String(body), new String(AddCheckpointRequest.parse(body).encode()));
    }

    @Test
    void unknownOriginIs404() throws Exception {
        Ed25519NoteSigner other = Ed25519NoteSigner.generate("other.example/log", new SecureRandom());
        SignedNote cp = SignedNote.sign(
                new Checkpoint("other.example/log", 0, Bytes.of(TreeHash.emptyRoot())).toText(), List.of(other));
        assertEquals(
                Status.NOT_FOUND,
                refused(new AddCheckpointRequest(0, List.of(), cp).encode()).status());
    }

    @Test
    void wrongLogKeyIs403() throws Exception {
        Ed25519NoteSigner impostor = Ed25519NoteSigner.generate(TestLog.ORIGIN, new SecureRandom());
        SignedNote cp = SignedNote.sign(
                new Checkpoint(TestLog.ORIGIN, 0, Bytes.of(TreeHash.emptyRoot())).toText(), List.of(impostor));
        assertEquals(
                Status.FORBIDDEN,
                refused(new AddCheckpointRequest(0, List.of(), cp).encode()).status());
    }

    @Test
    void malformedBodyIs400() {
        assertEquals(
                Status.BAD_REQUEST,
                refused("old 01\n\nx\n\n\u2014 k AAAAAAA=\n".getBytes()).status());
        assertEquals(Status.BAD_REQUEST, refused("new 1\n\n".getBytes()).status());
    }

    @Test
    void malformedRequestsAreRefusedByTheParser() throws Exception {
        log.growTo(10);
        String cp = new String(log.sequencer.checkpoint().encode());
        String h = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        for (String bad : new String[] {
            "old 1\n" + cp, // no blank line after the header
            "old 1\n" + (h + "\n").repeat(64) + "\n" + cp, // 64 proof lines
            "old 1\n" + h.substring(1) + "\n\n" + cp, // short hash
            "old 1\r\n\n" + cp, // CR
            "old  1\n\n" + cp,
            "old 1\n\n", // no checkpoint
        }) {
            assertThrows(FormatException.class, () -> AddCheckpointRequest.parse(bad.getBytes()), bad);
        }
        assertEquals(
                63,
                AddCheckpointRequest.parse(("old 1\n" + (h + "\n").repeat(63) + "\n" + cp).getBytes())
                        .proof()
                        .size());
    }

    @Test
    void oldSizeAboveCheckpointSizeIs400() throws Exception {
        log.growTo(10);
        byte[] body = new AddCheckpointRequest(11, List.of(), log.sequencer.checkpoint()).encode();
        assertEquals(Status.BAD_REQUEST, refused(body).status());
    }

    @Test
    void wrongOldSizeIs409WithTheLatestSize() throws Exception {
        log.growTo(10);
        witness.addCheckpoint(request(0), TestLog.NOW);
        log.growTo(20);
        AddCheckpointException e = refused(request(5));
        assertEquals(Status.CONFLICT, e.status());
        assertEquals(10, e.latestSize().orElseThrow());
    }

    @Test
    void rollbackIsRefused() throws Exception {
        log.growTo(10);
        SignedNote at10 = log.sequencer.checkpoint();
        log.growTo(20);
        witness.addCheckpoint(request(0), TestLog.NOW);
        assertEquals(
                Status.BAD_REQUEST,
                refused(new AddCheckpointRequest(20, List.of(), at10).encode()).status());
        assertEquals(
                Status.CONFLICT,
                refused(new AddCheckpointRequest(0, List.of(), at10).encode()).status());
    }

    @Test
    void badConsistencyProofIs422() throws Exception {
        log.growTo(10);
        witness.addCheckpoint(request(0), TestLog.NOW);
        log.growTo(20);
        List<Bytes> proof =
                new ArrayList<>(log.sequencer.consistencyProof(10, 20).hashes());
        byte[] tampered = proof.get(0).toByteArray();
        tampered[0] ^= 1;
        proof.set(0, Bytes.of(tampered));
        byte[] body = new AddCheckpointRequest(10, proof, log.sequencer.checkpoint()).encode();
        assertEquals(Status.UNPROCESSABLE, refused(body).status());
    }

    @Test
    void forkIs422() throws Exception {
        TestLog fork = new TestLog(forkDir, log);
        log.growTo(10);
        fork.appendOther(10);
        witness.addCheckpoint(request(0), TestLog.NOW);
        // Same size, other root.
        byte[] same = new AddCheckpointRequest(10, List.of(), fork.sequencer.checkpoint()).encode();
        assertEquals(Status.UNPROCESSABLE, refused(same).status());
        // Larger, with the fork's own (valid for it) proof.
        fork.appendOther(5);
        byte[] larger = new AddCheckpointRequest(
                        10, fork.sequencer.consistencyProof(10, 15).hashes(), fork.sequencer.checkpoint())
                .encode();
        assertEquals(Status.UNPROCESSABLE, refused(larger).status());
    }

    @Test
    void nonEmptyProofFromZeroIs422() throws Exception {
        log.growTo(10);
        byte[] body = new AddCheckpointRequest(0, List.of(Bytes.of(new byte[32])), log.sequencer.checkpoint()).encode();
        assertEquals(Status.UNPROCESSABLE, refused(body).status());
    }

    @Test
    void sizeZeroWithAWrongRootIs422() throws Exception {
        SignedNote cp =
                SignedNote.sign(new Checkpoint(TestLog.ORIGIN, 0, Bytes.of(new byte[32])).toText(), List.of(log.key));
        assertEquals(
                Status.UNPROCESSABLE,
                refused(new AddCheckpointRequest(0, List.of(), cp).encode()).status());
    }

    @Test
    void signatureLinesWithABlankLineAreRefused() throws Exception {
        log.growTo(3);
        byte[] response = witness.addCheckpoint(request(0), TestLog.NOW);
        byte[] withBlank = ("\n" + new String(response)).getBytes();
        assertThrows(FormatException.class, () -> log.sequencer.checkpoint().withSignatureLines(withBlank));
    }
}
