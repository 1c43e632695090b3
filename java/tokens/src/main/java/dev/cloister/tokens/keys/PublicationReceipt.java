package dev.cloister.tokens.keys;

import dev.cloister.base.Bytes;
import java.util.Objects;

/**
 * What a {@link KeyPublication} returns once a key is public: the key id it covers and opaque evidence of
 * publication (for the ledger: the leaf index and a checkpoint; clients check that evidence on their side).
 */
public record PublicationReceipt(TokenKeyId keyId, Bytes evidence) {
    public PublicationReceipt {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(evidence, "evidence");
    }
}
