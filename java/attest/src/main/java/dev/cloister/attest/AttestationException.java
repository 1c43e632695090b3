package dev.cloister.attest;

import java.io.Serial;

/**
 * Evidence was not accepted. The message says what was being checked ("while doing X") and, for mismatches, the
 * expected and the actual value. Verification fails closed: there is no partially accepted result.
 */
public final class AttestationException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    public AttestationException(String reason) {
        super(reason);
    }

    public AttestationException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** A mismatch between what the policy or the vendor format requires and what the evidence holds. */
    public static AttestationException mismatch(String what, Object expected, Object actual) {
        return new AttestationException(what + ": expected " + expected + ", got " + actual);
    }

    /** Adds a "while doing X" note in front of this failure, keeping it as the cause. */
    public AttestationException whileDoing(String context) {
        return new AttestationException("while " + context + ": " + getMessage(), this);
    }
}
