package dev.cloister.tokens.store;

import dev.cloister.tokens.keys.Epoch;

/**
 * The double-spend check of RFC 9576 §3.4 (the redeemer keeps the nonces of spent tokens). Nonces are kept per key
 * epoch; once an epoch's key can no longer redeem, its nonces are dropped with {@link #retireBefore}.
 * Implementations are thread-safe and, across all callers (and for shared stores, all gateways), return
 * {@link SpendResult#SPENT} exactly once per (epoch, nonce).
 */
public interface SpentTokenStore extends AutoCloseable {
    /** Nonce length of token type 0x0001 (RFC 9577 §2.2). */
    int NONCE_LENGTH = 32;

    /**
     * Atomically marks {@code nonce} as spent in {@code epoch}. For a durable store, {@link SpendResult#SPENT} is returned
     * only once the record survives a crash.
     *
     * @throws SpentTokenStoreException when no answer can be given; the token must be refused
     */
    SpendResult spend(Epoch epoch, byte[] nonce) throws SpentTokenStoreException;

    /** Drops every epoch before {@code oldest}; later spends in those epochs answer {@link SpendResult#EPOCH_RETIRED}. */
    void retireBefore(Epoch oldest) throws SpentTokenStoreException;

    @Override
    void close() throws SpentTokenStoreException;

    static void checkNonce(byte[] nonce) {
        if (nonce == null || nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException(
                    "nonce must be " + NONCE_LENGTH + " bytes, got " + (nonce == null ? "none" : nonce.length));
        }
    }
}
