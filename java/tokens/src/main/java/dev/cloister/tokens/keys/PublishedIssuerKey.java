package dev.cloister.tokens.keys;

import dev.cloister.tokens.oprf.OprfKeyPair;
import java.util.Objects;

/**
 * An issuer key pair whose public key has been published. Only {@link EpochKeySchedule} creates these, and only after
 * {@link KeyPublication#publish} returned a matching receipt, so code that needs a {@code PublishedIssuerKey}
 * (the issuer, the redeemer) cannot be handed an unpublished key.
 */
public final class PublishedIssuerKey {
    private final IssuerKey key;
    private final OprfKeyPair keyPair;
    private final PublicationReceipt receipt;

    PublishedIssuerKey(IssuerKey key, OprfKeyPair keyPair, PublicationReceipt receipt) {
        this.key = Objects.requireNonNull(key);
        this.keyPair = Objects.requireNonNull(keyPair);
        this.receipt = Objects.requireNonNull(receipt);
    }

    public IssuerKey key() {
        return key;
    }

    /** The OPRF key pair (skI, pkI); the private half is wrapped. */
    public OprfKeyPair keyPair() {
        return keyPair;
    }

    public PublicationReceipt receipt() {
        return receipt;
    }

    public Epoch epoch() {
        return key.epoch();
    }

    public TokenKeyId keyId() {
        return key.keyId();
    }

    @Override
    public String toString() {
        return "PublishedIssuerKey[epoch=" + key.epoch().index() + ", keyId=" + key.keyId() + "]";
    }
}
