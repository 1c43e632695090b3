package dev.cloister.ledger;

/**
 * A signed note (c2sp.org/signed-note) that must be rejected: a signature by a known key that does not verify, or no
 * signature by any known key at all.
 */
public final class NoteVerificationException extends LedgerException {

    public NoteVerificationException(String message) {
        super(message);
    }

    public NoteVerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
