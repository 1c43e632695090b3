package dev.cloister.operator.tokens;

import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenResponse;
import dev.cloister.tokens.privacypass.IssuanceRefusedException;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import dev.cloister.tokens.privacypass.PrivateTokenIssuer;
import dev.cloister.tokens.privacypass.TokenFormatException;
import dev.cloister.tokens.privacypass.TokenRequest;
import dev.cloister.tokens.privacypass.TokenResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Privacy Pass issuer (RFC 9578 §5, issuance protocol 1): {@code POST /token-request} for an authenticated
 * account, rate-limited per account per key epoch, and the issuer directory. Evaluation (scalar multiplications and
 * the DLEQ proof) runs on worker threads.
 */
public final class IssuerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerVerticle.class);

    /** Why a token request was refused, for the metrics. */
    enum Refusal {
        UNAUTHENTICATED,
        MEDIA_TYPE,
        MALFORMED,
        QUOTA,
        UNKNOWN_KEY,
        BATCH_TOO_LARGE,
        KEY_NOT_PUBLISHED,
        INTERNAL
    }

    private final ListenAddress listen;
    private final EpochKeySchedule keys;
    private final AccountAuthenticator accounts;
    private final IssuanceQuota quota;
    private final int maxBatch;
    private final String issuerRequestUri;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Supplier<KeyProofs> keyProofs;
    private PrivateTokenIssuer issuer;
    private Counter issued;
    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
    private HttpServer server;

    /**
     * @param tokensPerEpoch   how many tokens one account may obtain per key epoch
     * @param maxBatch         most tokens in one batched request
     * @param issuerRequestUri the {@code issuer-request-uri} published in the directory
     * @param keyProofs        the ledger proofs of the keys, served at {@code /token-key-proofs}; null when the keys
     *                         are not published in a ledger (then clients that check key consistency refuse them)
     */
    public IssuerVerticle(
            ListenAddress listen,
            EpochKeySchedule keys,
            AccountAuthenticator accounts,
            int tokensPerEpoch,
            int maxBatch,
            String issuerRequestUri,
            Supplier<KeyProofs> keyProofs,
            MeterRegistry registry,
            Clock clock) {
        this.listen = listen;
        this.keys = keys;
        this.accounts = accounts;
        this.quota = new IssuanceQuota(tokensPerEpoch);
        this.maxBatch = maxBatch;
        this.issuerRequestUri = issuerRequestUri;
        this.keyProofs = keyProofs;
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        issuer = new PrivateTokenIssuer(keys, maxBatch, new SecureRandom());
        issued = Counter.builder("cloister.issuer.tokens.issued").register(registry);
        for (Refusal r : Refusal.values()) {
            refused.put(
                    r,
                    Counter.builder("cloister.issuer.requests.refused")
                            .tag("reason", r.name().toLowerCase())
                            .register(registry));
        }
        // The current and next keys are published (in the ledger, when there is one) before the first request.
        return vertx.executeBlocking(() -> keys.directoryKeys(clock.instant()), false)
                .recover(e -> Future.failedFuture(
                        new IllegalStateException("the issuer keys could not be published: " + e.getMessage(), e)))
                .compose(published -> vertx.createHttpServer(
                                new HttpServerOptions().setIdleTimeout(30).setMaxHeaderSize(8192))
                        .requestHandler(this::route)
                        .listen(listen.port(), listen.host())
                        .onSuccess(s -> {
                            server = s;
                            LOG.info(
                                    "issuer listening on port {}; token key multiples by {}",
                                    s.actualPort(),
                                    dev.cloister.tokens.ec.AwsLcKeyMultiplier.engineDescription());
                        }));
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void route(HttpServerRequest request) {
        switch (request.path()) {
            case IssuerDirectory.WELL_KNOWN_PATH -> directory(request);
            case "/token-key-proofs" -> keyProofs(request);
            case "/token-request" -> {
                if (request.method() != HttpMethod.POST) {
                    Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "POST"));
                } else {
                    tokenRequest(request);
                }
            }
            default -> Problem.NOT_FOUND.send(request.response());
        }
    }

    private void directory(HttpServerRequest request) {
        vertx.executeBlocking(
                        () -> IssuerDirectory.of(issuerRequestUri, keys.directoryKeys(clock.instant()))
                                .toJson(),
                        false)
                .onSuccess(json -> request.response()
                        .putHeader(HttpHeaders.CONTENT_TYPE, IssuerDirectory.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=3600")
                        .end(json))
                .onFailure(e -> Problem.UNAVAILABLE.send(request.response()));
    }

    /** The ledger proofs of the directory's keys ({@link KeyProofs}), or 404 when the keys are not published. */
    private void keyProofs(HttpServerRequest request) {
        if (request.method() != HttpMethod.GET) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET"));
            return;
        }
        if (keyProofs == null) {
            Problem.NOT_FOUND.send(request.response());
            return;
        }
        request.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, KeyProofs.MEDIA_TYPE)
                .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=300")
                .end(Buffer.buffer(keyProofs.get().encode()));
    }

    private void tokenRequest(HttpServerRequest request) {
        Optional<AccountAuthenticator.Account> account =
                accounts.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
        if (account.isEmpty()) {
            refuse(
                    request,
                    Refusal.UNAUTHENTICATED,
                    new Problem(401, "about:blank", "account credentials required"),
                    Map.of("www-authenticate", "Bearer"));
            return;
        }
        String mediaType = BoundedBody.mediaType(request.getHeader(HttpHeaders.CONTENT_TYPE));
        boolean batch = AmortizedBatchTokenRequest.MEDIA_TYPE.equals(mediaType);
        if (!batch && !TokenRequest.MEDIA_TYPE.equals(mediaType)) {
            refuse(request, Refusal.MEDIA_TYPE, Problem.UNSUPPORTED_MEDIA_TYPE, Map.of());
            return;
        }
        long limit = batch ? 2 + 1 + 2L * 97 * maxBatch + 8 : TokenRequest.LENGTH;
        BoundedBody.read(request, limit).onComplete(read -> {
            if (read.failed()) {
                refused.get(Refusal.MALFORMED).increment();
                Problem.TOO_LARGE.sendAndClose(request);
                return;
            }
            byte[] body = read.result().getBytes();
            int count;
            TokenRequest single = null;
            AmortizedBatchTokenRequest many = null;
            try {
                if (batch) {
                    many = AmortizedBatchTokenRequest.decode(body, maxBatch);
                    count = many.blindedElements().size();
                } else {
                    single = TokenRequest.decode(body);
                    count = 1;
                }
            } catch (TokenFormatException e) {
                refuse(
                        request,
                        Refusal.MALFORMED,
                        new Problem(400, "about:blank", "malformed token request"),
                        Map.of());
                return;
            }
            // The time is taken once the body is in, so a slow upload cannot pick an earlier epoch.
            Instant now = clock.instant();
            Epoch epoch = keys.epochAt(now);
            String id = account.get().id();
            if (!quota.tryReserve(id, epoch, count)) {
                long retry = Math.max(
                        1, Duration.between(now, keys.schedule().end(epoch)).toSeconds());
                refuse(
                        request,
                        Refusal.QUOTA,
                        Problem.TOO_MANY_REQUESTS,
                        Map.of(HttpHeaders.RETRY_AFTER.toString(), Long.toString(retry)));
                return;
            }
            TokenRequest one = single;
            AmortizedBatchTokenRequest all = many;
            vertx.executeBlocking(
                            () -> one != null
                                    ? Buffer.buffer(issuer.issue(one, now).encode())
                                    : Buffer.buffer(issuer.issue(all, now).encode()),
                            false)
                    .onSuccess(answer -> {
                        issued.increment(count);
                        request.response()
                                .putHeader(
                                        HttpHeaders.CONTENT_TYPE,
                                        one != null ? TokenResponse.MEDIA_TYPE : AmortizedBatchTokenResponse.MEDIA_TYPE)
                                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                                .end(answer);
                    })
                    .onFailure(e -> {
                        quota.release(id, count);
                        if (e instanceof IssuanceRefusedException refusal) {
                            switch (refusal.reason()) {
                                case UNKNOWN_TOKEN_KEY ->
                                    refuse(
                                            request,
                                            Refusal.UNKNOWN_KEY,
                                            new Problem(400, "about:blank", "unknown or expired token key"),
                                            Map.of());
                                case BATCH_TOO_LARGE ->
                                    refuse(request, Refusal.BATCH_TOO_LARGE, Problem.TOO_LARGE, Map.of());
                                case KEY_NOT_PUBLISHED ->
                                    refuse(request, Refusal.KEY_NOT_PUBLISHED, Problem.UNAVAILABLE, Map.of());
                            }
                        } else {
                            LOG.warn("issuance failed internally");
                            refuse(request, Refusal.INTERNAL, Problem.INTERNAL, Map.of());
                        }
                    });
        });
    }

    private void refuse(HttpServerRequest request, Refusal reason, Problem problem, Map<String, String> headers) {
        refused.get(reason).increment();
        headers.forEach(request.response()::putHeader);
        problem.send(request.response());
    }
}
