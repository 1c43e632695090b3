package dev.cloister.ledger;

/**
 * Base of every checked exception thrown by the ledger library. Each subtype names one way verification or parsing
 * can fail; messages carry a "while doing X" context and, for mismatches, the expected and actual values.
 */
public abstract sealed class LedgerException extends Exception
        permits FormatException,
                ProofException,
                NoteVerificationException,
                PolicyException,
                LogConsistencyException,
                AddCheckpointException {

    protected LedgerException(String message) {
        super(message);
    }

    protected LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
