package dev.cloister.tokens.privacypass;

/** The issuer refuses a well-formed request (RFC 9578 §5.2: the issuer answers 422 or 400), with the reason. */
public final class IssuanceRefusedException extends Exception {
    /** Why issuance was refused. */
    public enum Reason {
        /** truncated_token_key_id names no key that issues now (a wrong, expired or unpublished key). */
        UNKNOWN_TOKEN_KEY,
        /** More blinded elements than the issuer's maximum batch. */
        BATCH_TOO_LARGE,
        /** The issuer key could not be published, so nothing is issued under it. */
        KEY_NOT_PUBLISHED
    }

    private final Reason reason;

    public IssuanceRefusedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public IssuanceRefusedException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
