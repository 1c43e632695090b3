package dev.cloister.ledger.merkle;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.ProofException;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 §2.1 Merkle Tree algorithms: root hashes of any tree size, inclusion and consistency proof generation from a
 * {@link HashStore}, and proof verification with exactly the strictness of the transparency-dev/merkle probes:
 * a leaf hash or proof component that is not 32 bytes is refused, and a consistency proof from the empty tree
 * ({@code size1 == 0}) is refused even when both sizes are zero.
 */
public final class MerkleTree {

    /** No tree deeper than 64 levels exists (sizes are below 2^63), so no valid proof is longer. */
    public static final int MAX_PROOF_LENGTH = 64;

    private MerkleTree() {}

    /** {@code MTH(D[0:size])} (RFC 9162 §2.1.1). */
    public static byte[] rootHash(HashStore store, long size) throws IOException, LedgerException {
        if (size < 0) {
            throw new IllegalArgumentException("negative tree size " + size);
        }
        return size == 0 ? TreeHash.emptyRoot() : rangeHash(store, 0, size);
    }

    /**
     * {@code MTH(D[start:end])} for a range that starts on a multiple of the largest power of two not above
     * {@code end - start}, i.e. every range the RFC 9162 recursions use: the complete subtrees it decomposes into,
     * folded from the right.
     */
    static byte[] rangeHash(HashStore store, long start, long end) throws IOException, LedgerException {
        // Decompose into complete subtrees, largest (leftmost) first.
        long[] heights = new long[64];
        long[] indices = new long[64];
        int count = 0;
        long cursor = start;
        while (cursor < end) {
            int height = 63 - Long.numberOfLeadingZeros(end - cursor);
            while ((cursor & ((1L << height) - 1)) != 0) {
                height--;
            }
            heights[count] = height;
            indices[count] = cursor >>> height;
            count++;
            cursor += 1L << height;
        }
        byte[] hash = store.node((int) heights[count - 1], indices[count - 1]);
        for (int i = count - 2; i >= 0; i--) {
            hash = TreeHash.nodeHash(store.node((int) heights[i], indices[i]), hash);
        }
        return hash;
    }

    /** The largest power of two strictly smaller than {@code n} (n ≥ 2), the split point {@code k} of RFC 9162 §2.1.1. */
    static long split(long n) {
        return Long.highestOneBit(n - 1);
    }

    /** {@code PATH(index, D[0:size])}, the inclusion proof of RFC 9162 §2.1.3.1, leaf sibling first. */
    public static InclusionProof inclusionProof(HashStore store, long index, long size)
            throws IOException, LedgerException {
        if (index < 0 || index >= size) {
            throw new ProofException(
                    "while building an inclusion proof: index " + index + " not below tree size " + size);
        }
        List<byte[]> path = new ArrayList<>();
        path(store, index, 0, size, path);
        return new InclusionProof(index, size, path.stream().map(Bytes::of).toList());
    }

    private static void path(HashStore store, long m, long offset, long n, List<byte[]> out)
            throws IOException, LedgerException {
        if (n == 1) {
            return;
        }
        long k = split(n);
        if (m < k) {
            path(store, m, offset, k, out);
            out.add(rangeHash(store, offset + k, offset + n));
        } else {
            path(store, m - k, offset + k, n - k, out);
            out.add(rangeHash(store, offset, offset + k));
        }
    }

    /** {@code PROOF(size1, D[0:size2])}, the consistency proof of RFC 9162 §2.1.4.1 ({@code 0 < size1 <= size2}). */
    public static ConsistencyProof consistencyProof(HashStore store, long size1, long size2)
            throws IOException, LedgerException {
        if (size1 <= 0 || size1 > size2) {
            throw new ProofException("while building a consistency proof: need 0 < size1 <= size2, got size1 " + size1
                    + ", size2 " + size2);
        }
        List<byte[]> proof = new ArrayList<>();
        subproof(store, size1, 0, size2, true, proof);
        return new ConsistencyProof(size1, size2, proof.stream().map(Bytes::of).toList());
    }

    private static void subproof(HashStore store, long m, long offset, long n, boolean complete, List<byte[]> out)
            throws IOException, LedgerException {
        if (m == n) {
            if (!complete) {
                out.add(rangeHash(store, offset, offset + m));
            }
            return;
        }
        long k = split(n);
        if (m <= k) {
            subproof(store, m, offset, k, complete, out);
            out.add(rangeHash(store, offset + k, offset + n));
        } else {
            subproof(store, m - k, offset + k, n - k, false, out);
            out.add(rangeHash(store, offset, offset + k));
        }
    }

    /**
     * Verifies an inclusion proof (RFC 9162 §2.1.3.2).
     *
     * @throws ProofException with both roots when the computed root differs, or with the structural reason
     */
    public static void verifyInclusion(
            long leafIndex, long treeSize, byte[] leafHash, List<byte[]> proof, byte[] rootHash) throws ProofException {
        byte[] computed = rootFromInclusion(leafIndex, treeSize, leafHash, proof);
        if (!MessageDigest.isEqual(computed, rootHash)) {
            throw new ProofException(
                    "while verifying inclusion of leaf " + leafIndex + " in tree size " + treeSize, rootHash, computed);
        }
    }

    /** The root that an inclusion proof yields for {@code leafHash} (RFC 9162 §2.1.3.2 steps 1 to 4). */
    public static byte[] rootFromInclusion(long leafIndex, long treeSize, byte[] leafHash, List<byte[]> proof)
            throws ProofException {
        String context = "while verifying inclusion of leaf " + leafIndex + " in tree size " + treeSize;
        if (leafIndex < 0 || treeSize < 0 || leafIndex >= treeSize) {
            throw new ProofException(context + ": index not below tree size");
        }
        if (leafHash.length != TreeHash.SIZE) {
            throw new ProofException(context + ": leaf hash is " + leafHash.length + " bytes, want 32");
        }
        checkComponents(context, proof);
        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                throw new ProofException(context + ": proof has " + proof.size() + " hashes, too many for this tree");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = TreeHash.nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = TreeHash.nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            throw new ProofException(context + ": proof has " + proof.size() + " hashes, too few for this tree");
        }
        return r;
    }

    /**
     * Verifies a consistency proof between two tree heads (RFC 9162 §2.1.4.2). A proof from the empty tree is refused:
     * it says nothing ("consistency proof from empty tree is meaningless").
     *
     * @throws ProofException with both roots when a recomputed root differs, or with the structural reason
     */
    public static void verifyConsistency(long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2)
            throws ProofException {
        String context = "while verifying consistency from size " + size1 + " to size " + size2;
        if (size1 < 0 || size2 < size1) {
            throw new ProofException(context + ": size2 is smaller than size1");
        }
        if (size1 == 0) {
            throw new ProofException(context + ": a consistency proof from the empty tree is meaningless");
        }
        if (size1 == size2) {
            if (!proof.isEmpty()) {
                throw new ProofException(context + ": sizes are equal but the proof has " + proof.size() + " hashes");
            }
            if (!MessageDigest.isEqual(root1, root2)) {
                throw new ProofException(context, root1, root2);
            }
            return;
        }
        if (proof.isEmpty()) {
            throw new ProofException(context + ": empty proof");
        }
        checkComponents(context, proof);
        List<byte[]> path = proof;
        if (Long.bitCount(size1) == 1) {
            path = new ArrayList<>(proof.size() + 1);
            path.add(root1);
            path.addAll(proof);
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (int i = 1; i < path.size(); i++) {
            byte[] c = path.get(i);
            if (sn == 0) {
                throw new ProofException(context + ": proof has " + proof.size() + " hashes, too many");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = TreeHash.nodeHash(c, fr);
                sr = TreeHash.nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                sr = TreeHash.nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            throw new ProofException(context + ": proof has " + proof.size() + " hashes, too few");
        }
        if (!MessageDigest.isEqual(fr, root1)) {
            throw new ProofException(context + " (old root)", root1, fr);
        }
        if (!MessageDigest.isEqual(sr, root2)) {
            throw new ProofException(context + " (new root)", root2, sr);
        }
    }

    private static void checkComponents(String context, List<byte[]> proof) throws ProofException {
        if (proof.size() > MAX_PROOF_LENGTH) {
            throw new ProofException(
                    context + ": proof has " + proof.size() + " hashes, more than " + MAX_PROOF_LENGTH);
        }
        for (int i = 0; i < proof.size(); i++) {
            if (proof.get(i).length != TreeHash.SIZE) {
                throw new ProofException(
                        context + ": proof hash " + i + " is " + proof.get(i).length + " bytes, want 32");
            }
        }
    }
}
