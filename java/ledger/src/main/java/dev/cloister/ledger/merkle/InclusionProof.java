package dev.cloister.ledger.merkle;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.ProofException;
import java.util.List;

/**
 * An RFC 9162 §2.1.3 inclusion proof: the audit path of the leaf at {@code leafIndex} in the tree of {@code treeSize}
 * leaves, leaf sibling first. Every hash is 32 bytes.
 */
public record InclusionProof(long leafIndex, long treeSize, List<Bytes> hashes) {

    public InclusionProof {
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("leaf index " + leafIndex + " not in a tree of size " + treeSize);
        }
        if (hashes.size() > MerkleTree.MAX_PROOF_LENGTH) {
            throw new IllegalArgumentException("inclusion proof of " + hashes.size() + " hashes");
        }
        hashes = List.copyOf(hashes);
        for (Bytes h : hashes) {
            if (h.length() != TreeHash.SIZE) {
                throw new IllegalArgumentException("inclusion proof hash of " + h.length() + " bytes, want 32");
            }
        }
    }

    /** Verifies that {@code leafHash} is at {@link #leafIndex} in the tree whose root is {@code rootHash}. */
    public void verify(byte[] leafHash, byte[] rootHash) throws ProofException {
        MerkleTree.verifyInclusion(
                leafIndex,
                treeSize,
                leafHash,
                hashes.stream().map(Bytes::toByteArray).toList(),
                rootHash);
    }
}
