package dev.cloister.ledger;

import dev.cloister.base.Hex;
import java.util.Optional;

/**
 * A Merkle inclusion or consistency proof (RFC 9162 §2.1.3.2, §2.1.4.2) that does not verify. When the failure is a
 * root mismatch the exception carries the expected root (from the signed tree head) and the root computed from the
 * proof; structural failures (index out of range, proof of the wrong length) carry neither.
 */
public final class ProofException extends LedgerException {

    private final byte[] expectedRoot;
    private final byte[] computedRoot;

    public ProofException(String message) {
        super(message);
        this.expectedRoot = null;
        this.computedRoot = null;
    }

    public ProofException(String whileDoing, byte[] expectedRoot, byte[] computedRoot) {
        super(whileDoing + ": root mismatch: got " + Hex.format(computedRoot) + ", want " + Hex.format(expectedRoot));
        this.expectedRoot = expectedRoot.clone();
        this.computedRoot = computedRoot.clone();
    }

    /** The root hash the proof was checked against, when the failure is a root mismatch. */
    public Optional<byte[]> expectedRoot() {
        return Optional.ofNullable(expectedRoot).map(byte[]::clone);
    }

    /** The root hash computed from the proof, when the failure is a root mismatch. */
    public Optional<byte[]> computedRoot() {
        return Optional.ofNullable(computedRoot).map(byte[]::clone);
    }
}
