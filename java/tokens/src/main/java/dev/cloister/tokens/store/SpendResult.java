package dev.cloister.tokens.store;

/** The answer of {@link SpentTokenStore#spend}. */
public enum SpendResult {
    /** The nonce was unspent; it is now recorded (durably, for durable stores) as spent. Redeem the token. */
    SPENT,
    /** The nonce was spent before: a double spend. Refuse the token. */
    ALREADY_SPENT,
    /** The epoch has been retired; its tokens can no longer be redeemed. Refuse the token. */
    EPOCH_RETIRED
}
