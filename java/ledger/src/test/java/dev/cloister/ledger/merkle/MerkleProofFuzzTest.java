package dev.cloister.ledger.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.ProofException;
import java.util.ArrayList;
import java.util.List;

class MerkleProofFuzzTest {

    private static final int LEAVES = 40;
    private static final InMemoryHashStore TREE = new InMemoryHashStore();

    static {
        for (int i = 0; i < LEAVES; i++) {
            TREE.append(TreeHash.leafHash(new byte[] {(byte) i}));
        }
    }

    private static List<Bytes> bytes(List<byte[]> l) {
        return l.stream().map(Bytes::of).toList();
    }

    /**
     * Soundness: a fuzzed proof that verifies for a real leaf (or real pair of tree heads) is exactly the proof the
     * generator builds; everything else fails with a ProofException and nothing else. Proof hashes are drawn from
     * the tree's own nodes half of the time so that the fuzzer can get close to valid proofs.
     */
    @FuzzTest
    void onlyTheRealProofVerifies(FuzzedDataProvider data) throws Exception {
        boolean inclusion = data.consumeBoolean();
        long a = data.consumeLong(-2, LEAVES + 1);
        // The claimed tree size stays within the stored tree: a proof that verifies (for instance size1 == size2 with
        // equal roots and an empty proof, which is correct for any size) must be regenerable from the store.
        long b = data.consumeLong(-2, LEAVES);
        int n = data.consumeInt(0, 8);
        List<byte[]> proof = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (data.consumeBoolean()) {
                int h = data.consumeInt(0, 5);
                long count = LEAVES >>> h;
                proof.add(count == 0 ? new byte[32] : TREE.node(h, data.consumeLong(0, count - 1)));
            } else {
                proof.add(data.consumeBytes(33));
            }
        }
        long size = Math.max(1, Math.min(b, LEAVES));
        try {
            if (inclusion) {
                long index = Math.max(0, Math.min(a, size - 1));
                MerkleTree.verifyInclusion(
                        a, b, index == a ? TREE.node(0, index) : new byte[32], proof, TREE.rootHash(size));
                assertEquals(MerkleTree.inclusionProof(TREE, a, b).hashes(), bytes(proof));
            } else {
                long size1 = Math.max(1, Math.min(a, size));
                MerkleTree.verifyConsistency(a, b, proof, TREE.rootHash(size1), TREE.rootHash(size));
                assertEquals(MerkleTree.consistencyProof(TREE, a, b).hashes(), bytes(proof));
            }
        } catch (ProofException e) {
            // refused
        }
    }
}
