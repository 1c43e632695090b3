package dev.cloister.benchmarks.ledger;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.InMemoryHashStore;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 3 target: verify an inclusion proof against a checkpoint cosigned by 2 of 3 witnesses in a tree of 10^6
 * entries, ≤ 0.3 ms. Measures the whole offline verification of a {@code .tlog-proof} (parse, log signature, every
 * known cosignature, policy, inclusion proof).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CosignedInclusionBenchmark {

    static final int SIZE = 1_000_000;
    static final long INDEX = 765_432;
    static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");

    byte[] leafHash;
    byte[] proofTwoCosignatures;
    byte[] proofThreeCosignatures;
    InclusionProof inclusion;
    byte[] root;
    LogIdentity log;
    WitnessPolicy policy;
    LogVerifier client;

    @Setup
    public void setup() throws Exception {
        SecureRandom random = new SecureRandom();
        InMemoryHashStore tree = new InMemoryHashStore();
        for (int i = 0; i < SIZE; i++) {
            tree.append(TreeHash.leafHash(("entry " + i).getBytes()));
        }
        leafHash = TreeHash.leafHash(("entry " + INDEX).getBytes());
        root = MerkleTree.rootHash(tree, SIZE);
        inclusion = MerkleTree.inclusionProof(tree, INDEX, SIZE);

        String origin = "ledger.cloister.example/bench";
        Ed25519NoteSigner key = Ed25519NoteSigner.generate(origin, random);
        List<Cosigner> witnesses = List.of(
                new Cosigner("w1.example", Ed25519PrivateKey.generate(random)),
                new Cosigner("w2.example", Ed25519PrivateKey.generate(random)),
                new Cosigner("w3.example", Ed25519PrivateKey.generate(random)));
        log = new LogIdentity(origin, key.verifier());
        policy = WitnessPolicy.quorum(
                2, witnesses.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1));

        SignedNote cp = SignedNote.sign(new Checkpoint(origin, SIZE, Bytes.of(root)).toText(), List.of(key));
        SignedNote two = cp.withSignature(witnesses.get(0).cosign(cp.text(), NOW))
                .withSignature(witnesses.get(2).cosign(cp.text(), NOW));
        SignedNote three = two.withSignature(witnesses.get(1).cosign(cp.text(), NOW));
        proofTwoCosignatures = TlogProof.of(inclusion, two, Optional.empty()).encode();
        proofThreeCosignatures =
                TlogProof.of(inclusion, three, Optional.empty()).encode();
        verifyTlogProofTwoOfThree(); // fail fast if the setup is wrong
        verifyTlogProofAllThreeCosigned();
        client = new LogVerifier(log, policy, new InMemoryCheckpointStore());
        verifyWithLogVerifierCheckpointSeenBefore();
    }

    /** The checkpoint carries the log signature and 2 of the 3 witnesses' cosignatures: 3 Ed25519 verifications. */
    @Benchmark
    public Object verifyTlogProofTwoOfThree() throws Exception {
        return TlogProof.parse(proofTwoCosignatures).verify(leafHash, log, policy, NOW);
    }

    /** All three witnesses cosigned (quorum 2): every known cosignature is verified, 4 Ed25519 verifications. */
    @Benchmark
    public Object verifyTlogProofAllThreeCosigned() throws Exception {
        return TlogProof.parse(proofThreeCosignatures).verify(leafHash, log, policy, NOW);
    }

    /**
     * A client verifying another proof under a checkpoint it has already verified (the common case: every entry a
     * client checks between two checkpoints): signatures are memoized, policy window and inclusion are checked.
     */
    @Benchmark
    public Object verifyWithLogVerifierCheckpointSeenBefore() throws Exception {
        return client.verifyInclusion(
                leafHash, TlogProof.parse(proofTwoCosignatures), ConsistencyProofSource.none(), NOW);
    }

    /** The Merkle part alone: 20 hashes. */
    @Benchmark
    public Object verifyInclusionOnly() throws Exception {
        inclusion.verify(leafHash, root);
        return inclusion;
    }
}
