package dev.cloister.ledger;

/**
 * A log that is not append-only from the client's point of view: a checkpoint smaller than one seen before (rollback),
 * or one that no consistency proof links to the one seen before (fork, i.e. a split view).
 */
public final class LogConsistencyException extends LedgerException {

    /** Why the new checkpoint was refused. */
    public enum Reason {
        /** The new checkpoint is smaller than the largest one seen for this origin. */
        ROLLBACK,
        /** Same size but a different root, or the consistency proof from the remembered checkpoint fails. */
        FORK
    }

    private final Reason reason;

    public LogConsistencyException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public LogConsistencyException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
