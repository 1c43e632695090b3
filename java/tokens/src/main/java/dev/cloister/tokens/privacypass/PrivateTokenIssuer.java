package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.KeyPublicationException;
import dev.cloister.tokens.keys.PublishedIssuerKey;
import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.oprf.BlindEvaluation;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.RandomScalars;
import dev.cloister.tokens.oprf.VoprfServer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The issuer side of issuance protocol 1 (RFC 9578 §5.2), single and batched: it evaluates blinded elements under the
 * published key that {@code truncated_token_key_id} names, with one batched DLEQ proof per response. Keys come only from
 * the {@link EpochKeySchedule}, so an unpublished key is never used. Account authentication and rate limiting are
 * the caller's job (they need the account, which this class never sees). Thread-safe.
 */
public final class PrivateTokenIssuer {
    /** The default largest batch. */
    public static final int DEFAULT_MAX_BATCH = 64;

    private final EpochKeySchedule keys;
    private final int maxBatch;
    private final RandomScalars random;
    private final Map<TokenKeyId, VoprfServer> servers = new ConcurrentHashMap<>();

    public PrivateTokenIssuer(EpochKeySchedule keys, int maxBatch, SecureRandom random) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (maxBatch < 1 || maxBatch > 4096) {
            throw new IllegalArgumentException("maxBatch must be in 1..4096, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.random = RandomScalars.secure(Objects.requireNonNull(random, "random"));
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Issues one token: TokenRequest → TokenResponse (RFC 9578 §5.2). */
    public TokenResponse issue(TokenRequest request, Instant now) throws IssuanceRefusedException {
        BlindEvaluation e = evaluate(request.truncatedTokenKeyId(), List.of(request.blindedElement()), now);
        return new TokenResponse(e.evaluatedElements().getFirst(), e.proof());
    }

    /** Issues a batch: N blinded elements, N evaluated elements and one proof. */
    public AmortizedBatchTokenResponse issue(AmortizedBatchTokenRequest request, Instant now)
            throws IssuanceRefusedException {
        if (request.blindedElements().size() > maxBatch) {
            throw new IssuanceRefusedException(
                    IssuanceRefusedException.Reason.BATCH_TOO_LARGE,
                    request.blindedElements().size() + " elements, the maximum is " + maxBatch);
        }
        BlindEvaluation e = evaluate(request.truncatedTokenKeyId(), request.blindedElements(), now);
        return new AmortizedBatchTokenResponse(e.evaluatedElements(), e.proof());
    }

    private BlindEvaluation evaluate(int truncatedKeyId, List<BlindedElement> blinded, Instant now)
            throws IssuanceRefusedException {
        PublishedIssuerKey key = keyFor(truncatedKeyId, now);
        if (servers.size() > 8) {
            servers.clear(); // only a few epochs are live at once; drop servers of old ones
        }
        VoprfServer server = servers.computeIfAbsent(key.keyId(), id -> new VoprfServer(key.keyPair()));
        return server.blindEvaluate(blinded, random);
    }

    /** The published key issuing at {@code now} whose truncated id matches; the current epoch's wins a collision. */
    private PublishedIssuerKey keyFor(int truncatedKeyId, Instant now) throws IssuanceRefusedException {
        List<PublishedIssuerKey> candidates;
        try {
            candidates = keys.issuingKeys(now);
        } catch (KeyPublicationException e) {
            throw new IssuanceRefusedException(
                    IssuanceRefusedException.Reason.KEY_NOT_PUBLISHED,
                    "the issuer key for " + now + " could not be published",
                    e);
        }
        for (PublishedIssuerKey k : candidates) {
            if (k.keyId().truncated() == truncatedKeyId) {
                return k;
            }
        }
        throw new IssuanceRefusedException(
                IssuanceRefusedException.Reason.UNKNOWN_TOKEN_KEY,
                String.format("truncated_token_key_id 0x%02x names no key issuing at %s", truncatedKeyId, now));
    }
}
