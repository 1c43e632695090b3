package dev.cloister.tokens.keys;

/**
 * Publishes issuer public keys where everyone sees the same ones (the transparency ledger), so that an issuer cannot
 * single a user out with a key of its own (RFC 9576 §6.2 key consistency). {@link EpochKeySchedule} hands out a key
 * for issuance only after this returned a receipt for it.
 */
public interface KeyPublication {
    /**
     * Publishes {@code key}, or confirms that it is already published. Must be idempotent.
     *
     * @throws KeyPublicationException when the key could not be published; the key must then not be used
     */
    PublicationReceipt publish(IssuerKey key) throws KeyPublicationException;
}
