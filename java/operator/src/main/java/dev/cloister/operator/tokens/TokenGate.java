package dev.cloister.operator.tokens;

import dev.cloister.operator.gateway.Target;
import dev.cloister.tokens.auth.AuthHeaderException;
import dev.cloister.tokens.auth.PrivateTokenChallenge;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.privacypass.AcceptedChallenges;
import dev.cloister.tokens.privacypass.PrivateTokenRedeemer;
import dev.cloister.tokens.privacypass.RedemptionRefusedException;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Redemption at the gateway (RFC 9577): the inner request must carry {@code Authorization: PrivateToken token=...}
 * with an unspent token for this origin's challenge; the token is verified against its epoch's issuer key and spent
 * exactly once, then the request goes on to the inner {@link Target}. A missing, invalid or spent token gets 401 with
 * a fresh {@code WWW-Authenticate: PrivateToken} challenge (inside the encapsulation, so the relay learns nothing).
 *
 * <p>Verification and the spent-token store block (a scalar multiplication, an fsync or a Redis round trip): they run
 * on worker threads.
 */
public final class TokenGate implements Target {

    private final Vertx vertx;
    private final Target inner;
    private final EpochKeySchedule keys;
    private final PrivateTokenRedeemer redeemer;
    private final TokenChallenge challenge;
    private final AcceptedChallenges accepted;
    private final Clock clock;
    private final Map<RedemptionRefusedException.Reason, Counter> refused =
            new EnumMap<>(RedemptionRefusedException.Reason.class);
    private final Counter missing;
    private final Counter redeemed;

    /**
     * @param challenge the origin's token challenge (issuer name, origin, empty redemption context): the one that
     *                  tokens presented here must answer
     */
    public TokenGate(
            Vertx vertx,
            Target inner,
            EpochKeySchedule keys,
            PrivateTokenRedeemer redeemer,
            TokenChallenge challenge,
            MeterRegistry registry,
            Clock clock) {
        this.vertx = vertx;
        this.inner = inner;
        this.keys = keys;
        this.redeemer = redeemer;
        this.challenge = challenge;
        this.accepted = AcceptedChallenges.of(challenge);
        this.clock = clock;
        for (RedemptionRefusedException.Reason reason : RedemptionRefusedException.Reason.values()) {
            refused.put(
                    reason,
                    Counter.builder("cloister.gateway.tokens.refused")
                            .tag("reason", reason.name().toLowerCase())
                            .register(registry));
        }
        missing = Counter.builder("cloister.gateway.tokens.missing").register(registry);
        redeemed = Counter.builder("cloister.gateway.tokens.redeemed").register(registry);
    }

    @Override
    public Future<BinaryResponse> handle(BinaryRequest request) {
        String authorization = request.headers().first("authorization").orElse(null);
        if (authorization == null) {
            missing.increment();
            return challenge();
        }
        return vertx.executeBlocking(
                        () -> {
                            byte[] token;
                            try {
                                token = PrivateTokenCredentials.parseTokenBytes(authorization);
                            } catch (AuthHeaderException e) {
                                throw new RedemptionRefusedException(
                                        RedemptionRefusedException.Reason.MALFORMED,
                                        "Authorization is not a PrivateToken credential");
                            }
                            return redeemer.redeem(token, accepted, clock.instant());
                        },
                        false)
                .compose(
                        ok -> {
                            redeemed.increment();
                            return inner.handle(request);
                        },
                        failure -> {
                            if (failure instanceof RedemptionRefusedException refusal) {
                                refused.get(refusal.reason()).increment();
                                if (refusal.reason() == RedemptionRefusedException.Reason.KEYS_UNAVAILABLE) {
                                    return Future.succeededFuture(
                                            BinaryResponse.of(503, FieldSection.of("retry-after", "5"), new byte[0]));
                                }
                                return challenge();
                            }
                            // The spent-token store could not answer: refuse the token (fail closed), ask to retry.
                            return Future.succeededFuture(
                                    BinaryResponse.of(503, FieldSection.of("retry-after", "1"), new byte[0]));
                        });
    }

    /** 401 with a fresh challenge naming the current issuance key. */
    private Future<BinaryResponse> challenge() {
        return vertx.executeBlocking(
                        () -> PrivateTokenChallenge.formatHeader(List.of(PrivateTokenChallenge.of(
                                challenge,
                                keys.issuanceKey(clock.instant())
                                        .key()
                                        .publicKey()
                                        .encoded(),
                                OptionalLong.empty()))),
                        false)
                .map(header -> BinaryResponse.of(401, FieldSection.of("www-authenticate", header), new byte[0]))
                .recover(e -> Future.succeededFuture(
                        BinaryResponse.of(503, FieldSection.of("retry-after", "5"), new byte[0])));
    }
}
