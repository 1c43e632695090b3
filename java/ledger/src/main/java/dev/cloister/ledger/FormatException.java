package dev.cloister.ledger;

/** Input that does not follow its format byte for byte: a malformed note, checkpoint, tile, tlog-proof or entry. */
public final class FormatException extends LedgerException {

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Adds a "while doing X" context to a lower-level failure, keeping it as the cause. */
    public static FormatException context(String whileDoing, FormatException cause) {
        return new FormatException(whileDoing + ": " + cause.getMessage(), cause);
    }
}
