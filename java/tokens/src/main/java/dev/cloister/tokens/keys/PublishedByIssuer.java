package dev.cloister.tokens.keys;

import dev.cloister.base.Bytes;

/**
 * The {@link KeyPublication} of a redeemer (the gateway) whose key schedule derives the same keys as the issuer from the
 * shared seed: the issuer publishes each key in the ledger before it issues under it, and clients obtain tokens only
 * under keys the ledger vouches for, so a token under a key that was never published cannot reach the redeemer from
 * an honest client. The redeemer itself publishes nothing and records no evidence.
 */
public final class PublishedByIssuer implements KeyPublication {
    @Override
    public PublicationReceipt publish(IssuerKey key) {
        return new PublicationReceipt(key.keyId(), Bytes.EMPTY);
    }
}
