package dev.cloister.ledger;

/** A checkpoint that verifies cryptographically but fails the client's policy: too few witnesses, or too old. */
public final class PolicyException extends LedgerException {

    public PolicyException(String message) {
        super(message);
    }
}
