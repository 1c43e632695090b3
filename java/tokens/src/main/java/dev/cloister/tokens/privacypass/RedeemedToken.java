package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.TokenKeyId;
import java.util.Objects;

/** A token that verified and was spent exactly now: its key's epoch and key id (for metrics; nothing that links it). */
public record RedeemedToken(Epoch epoch, TokenKeyId tokenKeyId) {
    public RedeemedToken {
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(tokenKeyId, "tokenKeyId");
    }
}
