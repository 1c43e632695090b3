package dev.cloister.ledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.LogConsistencyException;
import dev.cloister.ledger.LogConsistencyException.Reason;
import dev.cloister.ledger.PolicyException;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import dev.cloister.ledger.tiles.DirectoryTileSource;
import dev.cloister.ledger.tiles.TileReader;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client: checkpoints, proofs, and the remembered largest checkpoint that exposes forks and rollbacks. */
class LogVerifierTest {

    @TempDir
    Path dir;

    @TempDir
    Path forkDir;

    private LogVerifier verifier(TestLog log, CheckpointStore store) {
        return new LogVerifier(log.sequencer.identity(), log.twoOfThree(), store);
    }

    private static TlogProof proof(TestLog log, long index) throws Exception {
        TlogProof p = log.sequencer.tlogProof(index, Optional.empty());
        return new TlogProof(Optional.empty(), index, p.proof(), log.cosigned(TestLog.NOW, 0, 1));
    }

    @Test
    void verifiesInclusionAndRemembersTheLargestCheckpoint() throws Exception {
        TestLog log = new TestLog(dir);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        LogVerifier v = verifier(log, store);
        TileReader tiles = new TileReader(new DirectoryTileSource(dir));
        log.growTo(1000);
        LogVerifier.Verified first =
                v.verifyInclusion(TreeHash.leafHash(TestLog.entry(10)), proof(log, 10), tiles, TestLog.NOW);
        assertEquals(1000, first.checkpoint().size());
        assertEquals(1000, store.get(TestLog.ORIGIN).orElseThrow().size());

        log.growTo(1500);
        v.verifyInclusion(TreeHash.leafHash(TestLog.entry(1200)), proof(log, 1200), tiles, TestLog.NOW);
        assertEquals(1500, store.get(TestLog.ORIGIN).orElseThrow().size());
        log.growTo(1501);
        v.acceptLatest(log.cosigned(TestLog.NOW, 1, 2), log.sequencer, TestLog.NOW);
        assertEquals(1501, store.get(TestLog.ORIGIN).orElseThrow().size());
    }

    @Test
    void olderCheckpointIsAcceptedForAProofOnlyWhenItIsAPrefix() throws Exception {
        TestLog log = new TestLog(dir);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        LogVerifier v = verifier(log, store);
        log.growTo(700);
        TlogProof old = proof(log, 5);
        log.growTo(900);
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 2), log.sequencer, TestLog.NOW);
        LogVerifier.Verified r =
                v.verifyInclusion(TreeHash.leafHash(TestLog.entry(5)), old, log.sequencer, TestLog.NOW);
        assertEquals(700, r.checkpoint().size());
        assertEquals(900, store.get(TestLog.ORIGIN).orElseThrow().size(), "an older checkpoint is not remembered");
    }

    /** A release's quarantine: the quorum must have cosigned a checkpoint holding the entry at or before a time. */
    @Test
    void datesAnEntryByItsOldestWitnessedCheckpoint() throws Exception {
        TestLog log = new TestLog(dir);
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        log.growTo(700);
        java.time.Instant then = TestLog.NOW.minus(java.time.Duration.ofHours(2));
        TlogProof p = log.sequencer.tlogProof(5, Optional.empty());
        TlogProof anchor = new TlogProof(Optional.empty(), 5, p.proof(), log.cosigned(then, 0, 1));
        byte[] leaf = TreeHash.leafHash(TestLog.entry(5));
        PolicyException stale =
                assertThrows(PolicyException.class, () -> v.verifyInclusion(leaf, anchor, log.sequencer, TestLog.NOW));
        assertTrue(stale.getMessage().contains("older than"), stale.getMessage());
        LogVerifier.Verified dated = v.verifyInclusionWitnessedBy(
                leaf, anchor, log.sequencer, TestLog.NOW.minus(java.time.Duration.ofHours(1)));
        assertEquals(2, dated.cosignatures().size());
        PolicyException tooRecent = assertThrows(
                PolicyException.class,
                () -> v.verifyInclusionWitnessedBy(leaf, anchor, log.sequencer, then.minusSeconds(1)));
        assertTrue(tooRecent.getMessage().contains("0 cosignatures at or before"), tooRecent.getMessage());
        TlogProof oneWitness = new TlogProof(Optional.empty(), 5, p.proof(), log.cosigned(then, 0));
        PolicyException noQuorum = assertThrows(
                PolicyException.class,
                () -> v.verifyInclusionWitnessedBy(leaf, oneWitness, log.sequencer, TestLog.NOW));
        assertTrue(noQuorum.getMessage().contains("1 cosignatures at or before"), noQuorum.getMessage());
        LogVerifier unwitnessed = new LogVerifier(
                log.sequencer.identity(),
                dev.cloister.ledger.witness.WitnessPolicy.none(),
                new InMemoryCheckpointStore());
        PolicyException none = assertThrows(
                PolicyException.class,
                () -> unwitnessed.verifyInclusionWitnessedBy(leaf, anchor, log.sequencer, TestLog.NOW));
        assertTrue(none.getMessage().contains("no quorum"), none.getMessage());
    }

    @Test
    void rollbackIsRefused() throws Exception {
        TestLog log = new TestLog(dir);
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        log.growTo(1000);
        SignedNote at1000 = log.cosigned(TestLog.NOW, 0, 1);
        log.growTo(2000);
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), log.sequencer, TestLog.NOW);
        LogConsistencyException e =
                assertThrows(LogConsistencyException.class, () -> v.acceptLatest(at1000, log.sequencer, TestLog.NOW));
        assertEquals(Reason.ROLLBACK, e.reason());
        assertTrue(e.getMessage().contains("size 1000 is below the size 2000"), e.getMessage());
    }

    @Test
    void forkWithALargerCheckpointIsRefused() throws Exception {
        TestLog log = new TestLog(dir);
        TestLog fork = new TestLog(forkDir, log);
        log.growTo(1000);
        fork.growTo(600);
        fork.appendOther(900); // same first 600 entries, then a different history
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), log.sequencer, TestLog.NOW);
        LogConsistencyException e = assertThrows(
                LogConsistencyException.class,
                () -> v.acceptLatest(fork.cosigned(TestLog.NOW, 0, 1), fork.sequencer, TestLog.NOW));
        assertEquals(Reason.FORK, e.reason());
        // The proof presented through a tlog-proof is refused the same way.
        assertThrows(
                LogConsistencyException.class,
                () -> v.verifyInclusion(
                        TreeHash.leafHash("forked 1400".getBytes()), proof(fork, 1400), fork.sequencer, TestLog.NOW));
    }

    @Test
    void forkAtTheSameSizeIsRefused() throws Exception {
        TestLog log = new TestLog(dir);
        TestLog fork = new TestLog(forkDir, log);
        log.growTo(1000);
        fork.appendOther(1000);
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), log.sequencer, TestLog.NOW);
        LogConsistencyException e = assertThrows(
                LogConsistencyException.class,
                () -> v.acceptLatest(fork.cosigned(TestLog.NOW, 0, 1), ConsistencyProofSource.none(), TestLog.NOW));
        assertEquals(Reason.FORK, e.reason());
    }

    @Test
    void forkWithASmallerCheckpointIsRefused() throws Exception {
        TestLog log = new TestLog(dir);
        TestLog fork = new TestLog(forkDir, log);
        log.growTo(1000);
        fork.appendOther(800);
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), log.sequencer, TestLog.NOW);
        // The forked log cannot prove its 800 is a prefix of the 1000 already seen.
        LogConsistencyException e = assertThrows(
                LogConsistencyException.class,
                () -> v.verifyInclusion(
                        TreeHash.leafHash("forked 7".getBytes()), proof(fork, 7), log.sequencer, TestLog.NOW));
        assertEquals(Reason.FORK, e.reason());
    }

    @Test
    void missingConsistencyProofIsRefused() throws Exception {
        TestLog log = new TestLog(dir);
        LogVerifier v = verifier(log, new InMemoryCheckpointStore());
        log.growTo(10);
        v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), ConsistencyProofSource.none(), TestLog.NOW);
        log.growTo(20);
        assertThrows(
                LogConsistencyException.class,
                () -> v.acceptLatest(log.cosigned(TestLog.NOW, 0, 1), ConsistencyProofSource.none(), TestLog.NOW));
    }

    @Test
    void checkpointWithoutQuorumIsRefusedAndNotRemembered() throws Exception {
        TestLog log = new TestLog(dir);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        LogVerifier v = verifier(log, store);
        log.growTo(10);
        assertThrows(
                PolicyException.class, () -> v.acceptLatest(log.cosigned(TestLog.NOW, 2), log.sequencer, TestLog.NOW));
        assertTrue(store.get(TestLog.ORIGIN).isEmpty());
    }
}
