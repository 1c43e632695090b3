package dev.cloister.ledger.merkle;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.ProofException;
import java.util.List;

/** An RFC 9162 §2.1.4 consistency proof from the tree of {@code size1} leaves to the tree of {@code size2} leaves. */
public record ConsistencyProof(long size1, long size2, List<Bytes> hashes) {

    public ConsistencyProof {
        if (size1 < 0 || size2 < size1) {
            throw new IllegalArgumentException("consistency proof from size " + size1 + " to size " + size2);
        }
        if (hashes.size() > MerkleTree.MAX_PROOF_LENGTH) {
            throw new IllegalArgumentException("consistency proof of " + hashes.size() + " hashes");
        }
        hashes = List.copyOf(hashes);
        for (Bytes h : hashes) {
            if (h.length() != TreeHash.SIZE) {
                throw new IllegalArgumentException("consistency proof hash of " + h.length() + " bytes, want 32");
            }
        }
    }

    /** Verifies that the tree with root {@code root1} is a prefix of the tree with root {@code root2}. */
    public void verify(byte[] root1, byte[] root2) throws ProofException {
        MerkleTree.verifyConsistency(
                size1, size2, hashes.stream().map(Bytes::toByteArray).toList(), root1, root2);
    }
}
