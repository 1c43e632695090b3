package dev.cloister.ledger.merkle;

import dev.cloister.ledger.LedgerException;
import java.io.IOException;

/**
 * Something that can produce RFC 9162 §2.1.4 consistency proofs between two sizes of one log: a tile reader, the
 * sequencer itself, or a proof carried in an evidence bundle. The caller verifies what it returns.
 */
public interface ConsistencyProofSource {

    /** The proof from the tree of {@code size1} leaves to the tree of {@code size2} leaves ({@code 0 < size1 < size2}). */
    ConsistencyProof consistencyProof(long size1, long size2) throws IOException, LedgerException;

    /** A source that has no proofs: every request fails, so only equal or growing-from-nothing views are accepted. */
    static ConsistencyProofSource none() {
        return (size1, size2) -> {
            throw new java.nio.file.NoSuchFileException(
                    "no consistency proof from " + size1 + " to " + size2 + " available");
        };
    }

    /** A source that only knows one proof. */
    static ConsistencyProofSource of(ConsistencyProof proof) {
        return (size1, size2) -> {
            if (proof.size1() != size1 || proof.size2() != size2) {
                throw new java.nio.file.NoSuchFileException("have a consistency proof from " + proof.size1() + " to "
                        + proof.size2() + ", not from " + size1 + " to " + size2);
            }
            return proof;
        };
    }
}
