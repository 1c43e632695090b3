package dev.cloister.client.keys;

import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * What this client has seen of the ledger: the largest verified checkpoint (remembered in a {@link CheckpointStore},
 * across runs when the store is durable) and the log's tiles from which consistency proofs are computed. Every proof
 * the client accepts must verify against the log's key and the witness quorum <em>and</em> be consistent with the
 * remembered checkpoint, so a ledger that shows this client a fork, or an older view than it showed before, is
 * refused ({@link dev.cloister.ledger.LogConsistencyException}) instead of silently believed.
 */
public final class LedgerView {

    private final LogVerifier verifier;
    private final ConsistencyProofSource proofs;

    public LedgerView(LogVerifier verifier, ConsistencyProofSource proofs) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.proofs = Objects.requireNonNull(proofs, "consistency proofs");
    }

    /** A view of {@code log} under {@code witnesses} remembered in {@code store}. */
    public static LedgerView of(
            LogIdentity log, WitnessPolicy witnesses, CheckpointStore store, ConsistencyProofSource proofs) {
        return new LedgerView(new LogVerifier(log, witnesses, store), proofs);
    }

    /** A view remembered for the life of this process only. */
    public static LedgerView inMemory(LogIdentity log, WitnessPolicy witnesses, ConsistencyProofSource proofs) {
        return of(log, witnesses, new InMemoryCheckpointStore(), proofs);
    }

    public LogIdentity log() {
        return verifier.log();
    }

    /**
     * Verifies that {@code entry} is in the log by {@code proof} (c2sp.org/tlog-proof), and that the proof's checkpoint
     * is consistent with the remembered one (a larger one is remembered in its place).
     *
     * @throws LedgerException with the reason: signature, quorum, inclusion, fork or rollback
     * @throws IOException when the remembered checkpoint cannot be read or written
     */
    public LogVerifier.Verified verify(byte[] entry, TlogProof proof, Instant now) throws LedgerException, IOException {
        return verifier.verifyInclusion(TreeHash.leafHash(entry), proof, proofs, now);
    }

    /**
     * Verifies that {@code entry} was in the log by {@code by}: {@code proof}'s checkpoint was cosigned by the witness
     * quorum at or before then, and is consistent with the remembered one (a release's quarantine).
     */
    public LogVerifier.Verified verifyWitnessedBy(byte[] entry, TlogProof proof, Instant by)
            throws LedgerException, IOException {
        return verifier.verifyInclusionWitnessedBy(TreeHash.leafHash(entry), proof, proofs, by);
    }
}
