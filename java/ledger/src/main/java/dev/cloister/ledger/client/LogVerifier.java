package dev.cloister.ledger.client;

import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.LogConsistencyException;
import dev.cloister.ledger.LogConsistencyException.Reason;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.ConsistencyProof;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client side of the ledger: trusts one log (origin and key) under a witness policy, verifies checkpoints and
 * inclusion proofs, remembers the largest checkpoint it has seen (in a {@link CheckpointStore}) and checks that every
 * new checkpoint is consistent with it (RFC 9162 §2.1.4), so a log that shows this client a fork or rolls back is
 * noticed. Verification is a pure function of its inputs and {@code now}.
 * <p>
 * Two ways in: {@link #acceptLatest} for a checkpoint that the log presents as its current one (smaller than the
 * remembered one = {@link Reason#ROLLBACK}), and {@link #verifyInclusion} for a proof that may be built against an
 * older checkpoint, which is accepted only if a consistency proof shows it is a prefix of the remembered one.
 */
public final class LogVerifier {

    /** What a successful verification established. */
    public record Verified(Checkpoint checkpoint, List<WitnessPolicy.Cosignature> cosignatures, long index) {}

    /** How many verified signed checkpoints are remembered (by the SHA-256 of their exact bytes). */
    private static final int VERIFIED_CACHE = 16;

    private final LogIdentity log;
    private final WitnessPolicy policy;
    private final CheckpointStore store;
    private final Map<String, SignedCheckpoint> verified = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SignedCheckpoint> eldest) {
            return size() > VERIFIED_CACHE;
        }
    };

    public LogVerifier(LogIdentity log, WitnessPolicy policy, CheckpointStore store) {
        this.log = log;
        this.policy = policy;
        this.store = store;
    }

    public LogIdentity log() {
        return log;
    }

    /**
     * Verifies a signed checkpoint (log signature, witness quorum at {@code now}) and requires it to be at least as
     * large as, and consistent with, the remembered one; then remembers it.
     *
     * @param proofs supplies the consistency proof from the remembered size to the new size
     * @throws LogConsistencyException {@link Reason#ROLLBACK} if it is smaller than the remembered checkpoint,
     *         {@link Reason#FORK} if it is not consistent with it
     */
    public SignedCheckpoint acceptLatest(SignedNote signedCheckpoint, ConsistencyProofSource proofs, Instant now)
            throws LedgerException, IOException {
        SignedCheckpoint verified = open(signedCheckpoint);
        policy.check(verified.note(), now);
        Checkpoint cp = verified.checkpoint();
        Optional<Checkpoint> known = store.get(log.origin());
        if (known.isPresent() && cp.size() < known.get().size()) {
            throw new LogConsistencyException(
                    Reason.ROLLBACK,
                    "while accepting a checkpoint of " + log.origin() + ": size " + cp.size() + " is below the size "
                            + known.get().size() + " already seen");
        }
        advance(cp, known, proofs);
        return verified;
    }

    /**
     * Verifies a {@code .tlog-proof} for the entry with {@code leafHash} (c2sp.org/tlog-proof §"Verifying a tlog
     * proof"), then checks its checkpoint against the remembered one: a larger checkpoint must extend it (and becomes
     * the remembered one), a smaller one must be a prefix of it, an equal size must have the same root.
     */
    public Verified verifyInclusion(byte[] leafHash, TlogProof proof, ConsistencyProofSource proofs, Instant now)
            throws LedgerException, IOException {
        SignedCheckpoint signed = open(proof.checkpoint());
        return inclusion(leafHash, proof, proofs, signed, policy.check(signed.note(), now));
    }

    /**
     * As {@link #verifyInclusion}, but the witness quorum must have cosigned the proof's checkpoint at or before
     * {@code by} ({@link WitnessPolicy#checkWitnessedBy}), however long ago: evidence that the entry has been in the
     * log since then (a release's quarantine). The checkpoint must still be consistent with the remembered one.
     */
    public Verified verifyInclusionWitnessedBy(
            byte[] leafHash, TlogProof proof, ConsistencyProofSource proofs, Instant by)
            throws LedgerException, IOException {
        SignedCheckpoint signed = open(proof.checkpoint());
        return inclusion(leafHash, proof, proofs, signed, policy.checkWitnessedBy(signed.note(), by));
    }

    private Verified inclusion(
            byte[] leafHash,
            TlogProof proof,
            ConsistencyProofSource proofs,
            SignedCheckpoint signed,
            List<WitnessPolicy.Cosignature> cosignatures)
            throws LedgerException, IOException {
        Checkpoint cp = signed.checkpoint();
        MerkleTree.verifyInclusion(
                proof.index(),
                cp.size(),
                leafHash,
                proof.proof().stream().map(Bytes::toByteArray).toList(),
                cp.rootHash().toByteArray());
        Optional<Checkpoint> known = store.get(log.origin());
        if (known.isPresent() && cp.size() < known.get().size()) {
            // The log must prove that what it shows now is a prefix of what it showed this client before; a log that
            // cannot (it was restored from an old copy, or regrew differently) has rolled back.
            requireConsistent(cp, known.get(), proofs, "an older checkpoint", Reason.ROLLBACK);
        } else {
            advance(cp, known, proofs);
        }
        return new Verified(cp, cosignatures, proof.index());
    }

    /**
     * Verifies the signatures of a signed checkpoint (log key, every known witness), memoized by the SHA-256 of its
     * exact bytes: signature verification is deterministic, so a checkpoint seen again (every proof a log hands out
     * until its next checkpoint) costs a hash instead of one Ed25519 verification per signature. The policy's time
     * window is still checked against {@code now} on every call.
     */
    private SignedCheckpoint open(SignedNote signedCheckpoint) throws LedgerException {
        byte[] bytes = signedCheckpoint.encode();
        String key = Hex.format(TreeHash.sha256(bytes));
        synchronized (verified) {
            SignedCheckpoint hit = verified.get(key);
            if (hit != null) {
                return hit;
            }
        }
        SignedCheckpoint v = SignedCheckpoint.open(signedCheckpoint, log, policy.witnesses());
        synchronized (verified) {
            verified.put(key, v);
        }
        return v;
    }

    private void advance(Checkpoint cp, Optional<Checkpoint> known, ConsistencyProofSource proofs)
            throws LedgerException, IOException {
        while (true) {
            if (known.isPresent()) {
                Checkpoint old = known.get();
                if (cp.size() < old.size()) {
                    // Another verifier advanced concurrently; the new one must still be a prefix.
                    requireConsistent(cp, old, proofs, "a checkpoint overtaken concurrently", Reason.ROLLBACK);
                    return;
                }
                requireConsistent(old, cp, proofs, "the remembered checkpoint", Reason.FORK);
                if (cp.size() == old.size()) {
                    return;
                }
            }
            if (store.compareAndSet(log.origin(), known, cp)) {
                return;
            }
            known = store.get(log.origin());
        }
    }

    /**
     * Requires {@code older} to be a prefix of {@code newer}; a proof that fails is a fork (a split view), and no proof
     * at all is {@code unproven} (a rollback when the log is asked to vouch for something smaller than it showed).
     */
    private void requireConsistent(
            Checkpoint older, Checkpoint newer, ConsistencyProofSource proofs, String what, Reason unproven)
            throws LedgerException, IOException {
        String context = "while checking " + log.origin() + " size " + older.size() + " against size " + newer.size()
                + " (" + what + ")";
        if (older.size() == newer.size()) {
            if (!older.rootHash().equalsConstantTime(newer.rootHash())) {
                throw new LogConsistencyException(
                        Reason.FORK,
                        context + ": same size, roots " + older.rootHash().hex() + " and "
                                + newer.rootHash().hex());
            }
            return;
        }
        if (older.size() == 0) {
            if (!older.rootHash().equalsConstantTime(TreeHash.emptyRoot())) {
                throw new LogConsistencyException(
                        Reason.FORK, context + ": size 0 with a root that is not the empty " + "tree's");
            }
            return; // the empty tree is a prefix of every tree
        }
        ConsistencyProof proof;
        try {
            proof = proofs.consistencyProof(older.size(), newer.size());
        } catch (IOException | LedgerException e) {
            throw new LogConsistencyException(
                    unproven, context + ": no consistency proof available: " + e.getMessage(), e);
        }
        if (proof.size1() != older.size() || proof.size2() != newer.size()) {
            throw new LogConsistencyException(
                    Reason.FORK, context + ": got a proof from " + proof.size1() + " to " + proof.size2());
        }
        try {
            MerkleTree.verifyConsistency(
                    older.size(),
                    newer.size(),
                    proof.hashes().stream().map(Bytes::toByteArray).toList(),
                    older.rootHash().toByteArray(),
                    newer.rootHash().toByteArray());
        } catch (ProofException e) {
            throw new LogConsistencyException(Reason.FORK, context + ": " + e.getMessage(), e);
        }
    }
}
