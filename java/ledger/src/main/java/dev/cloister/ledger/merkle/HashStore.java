package dev.cloister.ledger.merkle;

import dev.cloister.ledger.LedgerException;
import java.io.IOException;

/**
 * Where proof generation reads the hashes of complete subtrees from. A node at {@code height} h and {@code index} i is
 * {@code MTH(D[i * 2^h : (i + 1) * 2^h])} in RFC 9162 §2.1.1 terms (height 0 = leaf hashes). Callers only ask for
 * subtrees that are complete in the tree they are proving against.
 */
public interface HashStore {

    /** The hash of the complete subtree at {@code height}, {@code index}. */
    byte[] node(int height, long index) throws IOException, LedgerException;
}
