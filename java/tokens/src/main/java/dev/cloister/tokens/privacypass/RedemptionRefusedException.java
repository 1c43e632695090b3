package dev.cloister.tokens.privacypass;

/**
 * The redeemer refuses a token (RFC 9577 §2.2 / RFC 9578 §5.4); the gateway answers 401 with a fresh challenge.
 * The reason is for logs and metrics, never for the client.
 */
public final class RedemptionRefusedException extends Exception {
    /** Why the token was refused. */
    public enum Reason {
        /** The Authorization header or the Token bytes are malformed, or of another token type. */
        MALFORMED,
        /** token_key_id names no key this redeemer knows. */
        UNKNOWN_TOKEN_KEY,
        /** token_key_id names a key whose epoch (plus grace) is over. */
        EXPIRED_TOKEN_KEY,
        /** challenge_digest is not the digest of a challenge this origin issued or accepts. */
        CHALLENGE_MISMATCH,
        /** The authenticator is not Evaluate(skI, token_input): a forged or corrupted token. */
        INVALID_AUTHENTICATOR,
        /** The token's nonce was spent before. */
        DOUBLE_SPEND,
        /** The spent-token store has dropped the token's epoch. */
        EPOCH_RETIRED,
        /** The issuer keys could not be obtained (publication failed): fail closed. */
        KEYS_UNAVAILABLE
    }

    private final Reason reason;

    public RedemptionRefusedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public RedemptionRefusedException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
