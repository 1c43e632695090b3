package dev.cloister.client.session;

import dev.cloister.client.keys.IssuerKeyConsistency;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenResponse;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import dev.cloister.tokens.privacypass.PendingTokenBatch;
import dev.cloister.tokens.privacypass.PrivateTokenClient;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The client's Privacy Pass tokens for one origin: fetched in batches from the issuer with the account credential
 * (RFC 9578, batched issuance), kept in memory, each spent once. The issuer learns that the account obtained tokens,
 * never where they are spent; the gateway learns that a token is valid, never whose it is.
 *
 * <p>Before each batch the issuer's key is checked against the transparency ledger ({@link IssuerKeyConsistency}: the
 * directory's key must be published for this issuer, valid now, in a cosigned checkpoint), and the batch's DLEQ proof
 * is verified against that key, so an issuer cannot tag this user with a key of its own. Both checks, and the
 * unblinding, run on worker threads.
 */
public final class TokenWallet {

    /** Where the issuer serves the ledger proofs of its directory's keys ({@link KeyProofs}). */
    public static final String KEY_PROOFS_PATH = "/token-key-proofs";

    /**
     * When the wallet fetches tokens: in the background, once it holds fewer than {@code reserve}, after a delay drawn
     * uniformly from {@code [0, maxDelay]}, so that the issuer cannot link a batch to the session that emptied the
     * wallet by its timing. A request that finds the wallet empty waits for that background refill; it never fetches
     * tokens itself. {@link #prefetch} (an app's start-up) is the one fetch not delayed.
     */
    public record Refill(int reserve, Duration maxDelay) {
        public Refill {
            if (reserve < 0) throw new IllegalArgumentException("negative token reserve");
            if (maxDelay.isNegative()) throw new IllegalArgumentException("negative refill delay");
        }

        /** A quarter of a batch in reserve, refills within 10 s. */
        public static Refill of(int batch) {
            return new Refill(Math.max(1, batch / 4), Duration.ofSeconds(10));
        }
    }

    private final Vertx vertx;
    private final WebClient web;
    private final URI issuer;
    private final String account;
    private final TokenChallenge challenge;
    private final int batch;
    private final Duration timeout;
    private final SecureRandom random;
    private final IssuerKeyConsistency keys;
    private final Clock clock;
    /** Tokens held in memory; with a store, the store holds them instead (shared with other processes). */
    private final Deque<Token> tokens = new ArrayDeque<>();

    private final java.util.Optional<TokenFile> store;
    private final Refill refill;
    /** The background refill scheduled or running, which every empty-wallet request waits for; null when none. */
    private Future<Void> pendingRefill;

    private volatile IssuerKeyConsistency.ConsistentIssuerKey lastKey;
    private final java.util.Map<dev.cloister.tokens.keys.TokenKeyId, IssuerKeyConsistency.ConsistentIssuerKey>
            verifiedKeys = new java.util.concurrent.ConcurrentHashMap<>();

    public TokenWallet(
            Vertx vertx,
            WebClient web,
            URI issuer,
            String account,
            TokenChallenge challenge,
            int batch,
            Duration timeout,
            IssuerKeyConsistency keys,
            Clock clock,
            SecureRandom random) {
        this(
                vertx,
                web,
                issuer,
                account,
                challenge,
                batch,
                timeout,
                keys,
                clock,
                random,
                java.util.Optional.empty(),
                Refill.of(batch));
    }

    /**
     * @param keys  the ledger check of the issuer's keys
     * @param store a file (owner-only) that keeps unspent tokens between runs (the CLI's), or empty for memory only;
     *              a token is removed from it before it is spent, so a crash can lose a token but never spend one twice,
     *              and concurrent runs sharing it each take different tokens ({@link TokenFile})
     */
    public TokenWallet(
            Vertx vertx,
            WebClient web,
            URI issuer,
            String account,
            TokenChallenge challenge,
            int batch,
            Duration timeout,
            IssuerKeyConsistency keys,
            Clock clock,
            SecureRandom random,
            java.util.Optional<java.nio.file.Path> store,
            Refill refill) {
        this.vertx = vertx;
        this.refill = java.util.Objects.requireNonNull(refill, "refill");
        this.web = web;
        this.issuer = issuer;
        this.account = account;
        this.challenge = challenge;
        this.batch = batch;
        this.timeout = timeout;
        this.keys = keys;
        this.clock = clock;
        this.random = random;
        this.store = store.map(TokenFile::new);
    }

    /**
     * A token to spend. When the wallet runs below its reserve a background refill is scheduled at a random time; when
     * it is empty the request waits for that refill (it never fetches tokens itself).
     */
    public Future<Token> take() {
        return takeHeld().compose(held -> {
            if (held.isPresent()) {
                topUpIfLow();
                return Future.succeededFuture(held.get());
            }
            return takeAfterRefill(MAX_REFILLS_WAITED);
        });
    }

    /** How many background refills one request waits for (others may take a batch's tokens before it). */
    private static final int MAX_REFILLS_WAITED = 16;

    /** Waits for the background refill and takes a token; if others took them all first, waits for the next one. */
    private Future<Token> takeAfterRefill(int refillsLeft) {
        return scheduledRefill().compose(v -> takeHeld()).compose(fresh -> {
            if (fresh.isPresent()) {
                topUpIfLow();
                return Future.succeededFuture(fresh.get());
            }
            if (refillsLeft > 1) {
                return takeAfterRefill(refillsLeft - 1);
            }
            return Future.failedFuture(new SessionFailure(
                    SessionFailure.Kind.TOKEN,
                    "no token after " + MAX_REFILLS_WAITED + " refills: other requests took every one",
                    null));
        });
    }

    /** Fetches a batch now, not delayed: for an app's start-up, before any request (not linked to one). */
    public Future<Void> prefetch() {
        return refill();
    }

    /**
     * Schedules a background refill when fewer than the reserve are held: counted in place when they are in memory (a
     * lock held for a size read), on a worker thread with a store (reading the file may wait for another process).
     */
    private void topUpIfLow() {
        if (store.isEmpty()) {
            int held;
            synchronized (tokens) {
                held = tokens.size();
            }
            if (held < refill.reserve()) scheduledRefill();
            return;
        }
        vertx.executeBlocking(this::available, false).onSuccess(held -> {
            if (held < refill.reserve()) scheduledRefill();
        });
    }

    /**
     * The background refill: the one already scheduled or running, or a new one after a random delay in
     * {@code [0, maxDelay]}. Failures reach the requests waiting for it; the next request schedules another.
     */
    private Future<Void> scheduledRefill() {
        synchronized (this) {
            if (pendingRefill != null) return pendingRefill;
            long maxMillis = refill.maxDelay().toMillis();
            long delay = maxMillis == 0 ? 0 : random.nextLong(maxMillis + 1);
            io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
            pendingRefill = done.future();
            Runnable fetch = () -> refill().onComplete(result -> {
                synchronized (this) {
                    pendingRefill = null;
                }
                done.handle(result);
            });
            if (delay == 0) {
                vertx.runOnContext(v -> fetch.run());
            } else {
                vertx.setTimer(delay, id -> fetch.run());
            }
            return pendingRefill;
        }
    }

    /** The first token held, removed (from the store under its lock, on a worker thread: it may wait for a process). */
    private Future<java.util.Optional<Token>> takeHeld() {
        if (store.isEmpty()) {
            synchronized (tokens) {
                return Future.succeededFuture(java.util.Optional.ofNullable(tokens.pollFirst()));
            }
        }
        return vertx.executeBlocking(() -> store.get().take(), false)
                .recover(e -> failure("the token store is unusable: " + e.getMessage(), e));
    }

    private Future<Void> hold(List<Token> fresh) {
        if (store.isEmpty()) {
            synchronized (tokens) {
                tokens.addAll(fresh);
            }
            return Future.succeededFuture();
        }
        return vertx.<Void>executeBlocking(
                        () -> {
                            store.get().add(fresh);
                            return null;
                        },
                        false)
                .recover(e -> failure("the token store is unusable: " + e.getMessage(), e));
    }

    /** Fetches a batch now (the background refill's work, and {@link #prefetch}). */
    private Future<Void> refill() {
        Future<IssuerDirectory> directory = get(
                        IssuerDirectory.WELL_KNOWN_PATH, "issuer directory", IssuerDirectory.MAX_LENGTH)
                .compose(body -> vertx.executeBlocking(
                        () -> IssuerDirectory.parse(body.toString(StandardCharsets.UTF_8)), false))
                .recover(e -> failure("the issuer directory is unusable: " + e.getMessage(), e));
        Future<KeyProofs> proofs = get(KEY_PROOFS_PATH, "issuer's key proofs", KeyProofs.MAX_DOCUMENT_BYTES)
                .compose(body -> vertx.executeBlocking(() -> KeyProofs.decode(body.getBytes()), false))
                .recover(e -> failure("the issuer's key proofs are unusable: " + e.getMessage(), e));
        return Future.all(directory, proofs)
                .compose(both -> vertx.executeBlocking(
                                () -> keys.check(
                                        directory.result(), challenge.issuerName(), proofs.result(), clock.instant()),
                                false)
                        .recover(e ->
                                failure("the issuer's key is not vouched for by the ledger: " + e.getMessage(), e)))
                .compose(key -> vertx.executeBlocking(
                                () -> { // blinding: one multiplication per token
                                    PrivateTokenClient client = new PrivateTokenClient(key.key(), random);
                                    return new Blinded(key, client, client.createBatchTokenRequest(challenge, batch));
                                },
                                false)
                        .recover(e -> failure("could not blind a token batch: " + e.getMessage(), e)))
                .compose(blinded -> {
                    lastKey = blinded.key();
                    if (verifiedKeys.size() > 16) {
                        verifiedKeys.clear(); // a few epochs' keys at most
                    }
                    verifiedKeys.put(blinded.key().key().keyId(), blinded.key());
                    PrivateTokenClient client = blinded.client();
                    PendingTokenBatch pending = blinded.pending();
                    // A batch response: the evaluated elements and one proof, plus framing.
                    long limit = 1024L + (long) batch * 64;
                    return BoundedResponse.send(
                                    web.postAbs(issuer.resolve("/token-request").toString())
                                            .timeout(timeout.toMillis())
                                            .putHeader("authorization", "Bearer " + account)
                                            .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE),
                                    Buffer.buffer(pending.request().encode()),
                                    limit)
                            .recover(e -> failure("the issuer's answer is unusable: " + e.getMessage(), e))
                            .compose(response -> {
                                if (response.statusCode() != 200) {
                                    return failure("the issuer refused tokens: HTTP " + response.statusCode(), null);
                                }
                                byte[] body = response.body().getBytes();
                                return vertx.executeBlocking(
                                                () -> client.finalizeBatch(
                                                        pending, AmortizedBatchTokenResponse.decode(body, batch)),
                                                false)
                                        .recover(e ->
                                                failure("the issuer's response does not verify: " + e.getMessage(), e));
                            })
                            .compose(this::hold);
                });
    }

    private record Blinded(
            IssuerKeyConsistency.ConsistentIssuerKey key, PrivateTokenClient client, PendingTokenBatch pending) {}

    /**
     * What the request log shows for a token: its issuer key id and the ledger index that vouched for that key when
     * this wallet obtained tokens under it (null for a token kept from an earlier run).
     */
    public RequestLogEntry.TokenUsed describe(Token token) {
        IssuerKeyConsistency.ConsistentIssuerKey key = verifiedKeys.get(token.tokenKeyId());
        return new RequestLogEntry.TokenUsed(token.tokenKeyId().toString(), key == null ? null : key.ledgerIndex());
    }

    /** The issuer key the last batch was issued under, with the ledger facts that vouched for it (null before one). */
    public IssuerKeyConsistency.ConsistentIssuerKey issuerKey() {
        return lastKey;
    }

    private Future<Buffer> get(String path, String what, long limit) {
        return BoundedResponse.send(
                        web.getAbs(issuer.resolve(path).toString()).timeout(timeout.toMillis()), null, limit)
                .recover(e -> failure("the " + what + " is unusable: " + e.getMessage(), e))
                .compose(answer -> answer.statusCode() == 200
                        ? Future.succeededFuture(answer.body())
                        : failure("the " + what + " answered " + answer.statusCode(), null));
    }

    private static <T> Future<T> failure(String message, Throwable cause) {
        if (cause instanceof SessionFailure already) {
            return Future.failedFuture(already);
        }
        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN, message, cause));
    }

    /** Tokens held now (with a store: read from it, blocking). */
    public int available() {
        if (store.isPresent()) {
            try {
                return store.get().size();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("while reading the token store", e);
            }
        }
        synchronized (tokens) {
            return tokens.size();
        }
    }
}
