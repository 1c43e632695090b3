package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.IssuerKey;
import dev.cloister.tokens.keys.KeyPublicationException;
import dev.cloister.tokens.keys.PublishedIssuerKey;
import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.oprf.InvalidInputException;
import dev.cloister.tokens.oprf.VoprfServer;
import dev.cloister.tokens.store.SpendResult;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStoreException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token verification at the redeemer (the gateway), RFC 9578 §5.4 with RFC 9577 §2.2: the token must be of type 0x0001,
 * name a published key that redeems now, carry the digest of a challenge this origin accepts, and carry
 * authenticator = Evaluate(skI, token_input); only then is its nonce spent, exactly once. Checks run cheapest first and
 * the store is touched last, so forged tokens never fill it. Thread-safe.
 */
public final class PrivateTokenRedeemer {
    private final EpochKeySchedule keys;
    private final SpentTokenStore store;
    private final Map<TokenKeyId, VoprfServer> servers = new ConcurrentHashMap<>();
    private final AtomicLong retiredBefore = new AtomicLong(-1);

    public PrivateTokenRedeemer(EpochKeySchedule keys, SpentTokenStore store) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Decodes then redeems; malformed bytes are refused as {@link RedemptionRefusedException.Reason#MALFORMED}. */
    public RedeemedToken redeem(byte[] encodedToken, AcceptedChallenges accepted, Instant now)
            throws RedemptionRefusedException, SpentTokenStoreException {
        Token token;
        try {
            token = Token.decode(encodedToken);
        } catch (TokenFormatException e) {
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.MALFORMED, "token does not decode", e);
        }
        return redeem(token, accepted, now);
    }

    /**
     * Verifies {@code token} and spends it.
     *
     * @throws RedemptionRefusedException the token is not acceptable (answer 401 with a fresh challenge)
     * @throws SpentTokenStoreException   the store cannot answer; the token is refused (fail closed)
     */
    public RedeemedToken redeem(Token token, AcceptedChallenges accepted, Instant now)
            throws RedemptionRefusedException, SpentTokenStoreException {
        List<PublishedIssuerKey> live = liveKeys(now);
        PublishedIssuerKey key = keyFor(live, token.tokenKeyId(), now);
        if (!accepted.accepts(token.challengeDigest())) {
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.CHALLENGE_MISMATCH,
                    "challenge_digest is not the digest of a challenge this origin accepts");
        }
        if (!authenticatorMatches(key, token)) {
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.INVALID_AUTHENTICATOR,
                    "authenticator does not match Evaluate(skI, token_input) for key " + key.keyId());
        }
        retireOldEpochs(live);
        SpendResult result = store.spend(key.epoch(), token.nonce());
        return switch (result) {
            case SPENT -> new RedeemedToken(key.epoch(), key.keyId());
            case ALREADY_SPENT ->
                throw new RedemptionRefusedException(
                        RedemptionRefusedException.Reason.DOUBLE_SPEND,
                        "token nonce already spent in epoch " + key.epoch().index());
            case EPOCH_RETIRED ->
                throw new RedemptionRefusedException(
                        RedemptionRefusedException.Reason.EPOCH_RETIRED,
                        "epoch " + key.epoch().index() + " is retired");
        };
    }

    private boolean authenticatorMatches(PublishedIssuerKey key, Token token) throws RedemptionRefusedException {
        if (servers.size() > 8) {
            servers.clear(); // only a few epochs are live at once; drop servers of old ones
        }
        VoprfServer server = servers.computeIfAbsent(key.keyId(), id -> new VoprfServer(key.keyPair()));
        try {
            return server.verify(token.authenticatorInput(), token.authenticator());
        } catch (InvalidInputException e) {
            // Probability 2^-384; such an input cannot have been issued either.
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.INVALID_AUTHENTICATOR,
                    "token input hashes to the identity element",
                    e);
        }
    }

    private List<PublishedIssuerKey> liveKeys(Instant now) throws RedemptionRefusedException {
        try {
            return keys.redemptionKeys(now);
        } catch (KeyPublicationException e) {
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.KEYS_UNAVAILABLE,
                    "issuer keys for " + now + " are not published",
                    e);
        }
    }

    private PublishedIssuerKey keyFor(List<PublishedIssuerKey> candidates, TokenKeyId id, Instant now)
            throws RedemptionRefusedException {
        for (PublishedIssuerKey k : candidates) {
            if (k.keyId().equals(id)) {
                return k;
            }
        }
        Optional<IssuerKey> expired = keys.expiredKey(id, now);
        if (expired.isPresent()) {
            throw new RedemptionRefusedException(
                    RedemptionRefusedException.Reason.EXPIRED_TOKEN_KEY,
                    "key " + id + " of epoch " + expired.get().epoch().index() + " stopped redeeming at "
                            + expired.get().redemptionEnds());
        }
        throw new RedemptionRefusedException(
                RedemptionRefusedException.Reason.UNKNOWN_TOKEN_KEY,
                "token_key_id " + id + " names no key that redeems at " + now);
    }

    /** Once per epoch change, drops the store's epochs whose keys no longer redeem. */
    private void retireOldEpochs(List<PublishedIssuerKey> live) throws SpentTokenStoreException {
        long oldest = Long.MAX_VALUE;
        for (PublishedIssuerKey k : live) {
            oldest = Math.min(oldest, k.epoch().index());
        }
        long previous = retiredBefore.get();
        if (oldest > previous && retiredBefore.compareAndSet(previous, oldest)) {
            store.retireBefore(new Epoch(oldest));
        }
    }
}
