package dev.cloister.tokens.keys;

import java.time.Instant;
import java.util.Objects;

/**
 * The public record of one epoch's issuer key: what gets published to the ledger and the issuer directory.
 *
 * @param epoch            the epoch the key issues tokens in
 * @param publicKey        pkI
 * @param notBefore        start of issuance (the epoch start); the directory's "not-before"
 * @param issuanceEnds     end of issuance (the epoch end)
 * @param redemptionEnds   tokens under this key are accepted until this instant (epoch end plus the grace period)
 */
public record IssuerKey(
        Epoch epoch, IssuerPublicKey publicKey, Instant notBefore, Instant issuanceEnds, Instant redemptionEnds) {
    public IssuerKey {
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(issuanceEnds, "issuanceEnds");
        Objects.requireNonNull(redemptionEnds, "redemptionEnds");
        if (!notBefore.isBefore(issuanceEnds) || redemptionEnds.isBefore(issuanceEnds)) {
            throw new IllegalArgumentException(
                    "key windows out of order: " + notBefore + ", " + issuanceEnds + ", " + redemptionEnds);
        }
    }

    public TokenKeyId keyId() {
        return publicKey.keyId();
    }

    public boolean issuesAt(Instant t) {
        return !t.isBefore(notBefore) && t.isBefore(issuanceEnds);
    }

    public boolean redeemsAt(Instant t) {
        return !t.isBefore(notBefore) && t.isBefore(redemptionEnds);
    }
}
