package dev.cloister.operator.keys;

import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import dev.cloister.wire.ohttp.KeyConfigs;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key directory: the third-party (CDN) role that serves the gateway's {@code application/ohttp-keys} and the
 * ledger proofs of those keys to every client alike, so that the gateway cannot hand one user a key of its own
 * without also publishing it. It mirrors the gateway's {@code /ohttp-keys} and {@code /ohttp-keys/proofs} every
 * {@code refresh}; it only serves documents that parse, and it needs no trust: clients verify the proofs. It also
 * serves the ledger proofs of the enclave releases the operator runs ({@code /releases/proofs}), from which clients
 * take the measurements they accept: given the ledger, it rebuilds them under the ledger's current checkpoint every
 * {@code refresh} ({@link ReleaseProofs}), so that while a release is valid the witnessed checkpoint it serves is
 * never older than the ledger's re-cosigning interval plus {@code refresh} (keep both under clients' max age); and
 * those of the signed platform policies ({@code /platform-policies/proofs}, possibly none), from which clients take
 * SEV-SNP TCB floors above the ones they ship with.
 *
 * <p>It may be given several gateway replicas that serve the same keys (replicas that derive them from one seed, and
 * publish the same ledger entry): it mirrors the one that answered last, and when that one fails, the others in turn,
 * so that it serves a fresh copy while any replica is up. Both documents of a copy come from one replica.
 *
 * <p>When its copy may be stale it mirrors sooner: at start, and after a failed mirror, it retries with a backoff from
 * {@value #FIRST_RETRY_MILLIS} ms up to {@value #MAX_RETRY_MILLIS} ms (a directory started before its gateway serves
 * keys as soon as the gateway is up); and a request for the keys with {@code Cache-Control: no-cache} (RFC 9111
 * §5.2.1.4: revalidate with the origin), which a client sends after the gateway refused its key configuration (a
 * gateway restarted with new keys), mirrors the gateway before it is answered, at most once a second for all
 * clients together so that clients cannot make it hammer the gateway.
 */
public final class KeyDirectoryVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectoryVerticle.class);
    private static final int MAX_DOCUMENT = 1 << 20;
    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;
    /** The least time between two revalidations that clients ask for. */
    private static final long REVALIDATION_INTERVAL_NANOS = 1_000_000_000L;

    private final ListenAddress listen;
    private final java.util.List<URI> gateways;
    private final Duration refresh;
    private final java.util.Optional<ReleaseProofs> releaseProofs;
    private volatile byte[] releasesEncoded;
    private boolean releasesFailing;
    private final byte[] platformPoliciesEncoded;
    private WebClient web;
    private HttpServer server;
    private volatile Snapshot snapshot;
    /** The mirror in progress, which a concurrent one joins; null when none is. */
    private Future<Void> mirroring;
    /** The index in {@link #gateways} of the replica mirrored last, tried first. */
    private int preferred;

    private long lastRevalidation = System.nanoTime() - REVALIDATION_INTERVAL_NANOS;
    private long retryMillis = FIRST_RETRY_MILLIS;
    private boolean failing;

    // byte[]: the documents as fetched, written as is to every GET (no copy per request)
    private record Snapshot(byte[] keys, byte[] proofs) {}

    /** @param gateway the gateway's base URL (its {@code /ohttp-keys} and {@code /ohttp-keys/proofs} are mirrored) */
    public KeyDirectoryVerticle(ListenAddress listen, URI gateway, Duration refresh) {
        this(listen, gateway, refresh, new KeyProofs(java.util.List.of()));
    }

    /**
     * @param gateways the base URLs of gateway replicas that serve the same keys, the first tried first
     * @param releases the ledger proofs of the enclave releases the operator runs, served at {@code /releases/proofs}
     * @param platformPolicies the ledger proofs of the signed platform policies, served at
     *     {@code /platform-policies/proofs}
     */
    public KeyDirectoryVerticle(
            ListenAddress listen,
            java.util.List<URI> gateways,
            Duration refresh,
            KeyProofs releases,
            KeyProofs platformPolicies) {
        this(listen, gateways, refresh, releases.encode(), java.util.Optional.empty(), platformPolicies);
    }

    /**
     * @param gateways the base URLs of gateway replicas that serve the same keys, the first tried first
     * @param releases the release proofs, refreshed from the ledger every {@code refresh}
     * @param platformPolicies the ledger proofs of the signed platform policies, served at
     *     {@code /platform-policies/proofs}
     */
    public KeyDirectoryVerticle(
            ListenAddress listen,
            java.util.List<URI> gateways,
            Duration refresh,
            ReleaseProofs releases,
            KeyProofs platformPolicies) {
        this(listen, gateways, refresh, releases.logged().encode(), java.util.Optional.of(releases), platformPolicies);
    }

    /** @param releases the ledger proofs of the enclave releases the operator runs, served at {@code /releases/proofs} */
    public KeyDirectoryVerticle(ListenAddress listen, URI gateway, Duration refresh, KeyProofs releases) {
        this(listen, gateway, refresh, releases, new KeyProofs(java.util.List.of()));
    }

    /**
     * @param releases the ledger proofs of the enclave releases the operator runs, served at {@code /releases/proofs}
     * @param platformPolicies the ledger proofs of the signed platform policies, served at
     *     {@code /platform-policies/proofs}
     */
    public KeyDirectoryVerticle(
            ListenAddress listen, URI gateway, Duration refresh, KeyProofs releases, KeyProofs platformPolicies) {
        this(listen, java.util.List.of(gateway), refresh, releases, platformPolicies);
    }

    /** @param releases the release proofs, refreshed from the ledger every {@code refresh} */
    public KeyDirectoryVerticle(ListenAddress listen, URI gateway, Duration refresh, ReleaseProofs releases) {
        this(listen, gateway, refresh, releases, new KeyProofs(java.util.List.of()));
    }

    /**
     * @param releases the release proofs, refreshed from the ledger every {@code refresh}
     * @param platformPolicies the ledger proofs of the signed platform policies, served at
     *     {@code /platform-policies/proofs}
     */
    public KeyDirectoryVerticle(
            ListenAddress listen, URI gateway, Duration refresh, ReleaseProofs releases, KeyProofs platformPolicies) {
        this(listen, java.util.List.of(gateway), refresh, releases, platformPolicies);
    }

    private KeyDirectoryVerticle(
            ListenAddress listen,
            java.util.List<URI> gateways,
            Duration refresh,
            byte[] releasesEncoded,
            java.util.Optional<ReleaseProofs> releaseProofs,
            KeyProofs platformPolicies) {
        if (gateways.isEmpty()) throw new IllegalArgumentException("no gateway to mirror");
        this.listen = listen;
        this.gateways = java.util.List.copyOf(gateways);
        this.refresh = refresh;
        this.releasesEncoded = releasesEncoded;
        this.releaseProofs = releaseProofs;
        this.platformPoliciesEncoded = platformPolicies.encode();
    }

    /**
     * Rebuilds the release proofs under the ledger's current checkpoint now (on a worker); on failure the previous
     * ones stay served. Without a ledger, nothing to do.
     */
    public Future<Void> refreshReleases() {
        if (releaseProofs.isEmpty()) return Future.succeededFuture();
        return vertx.executeBlocking(() -> releaseProofs.get().refreshed().encode(), false)
                .map(encoded -> {
                    releasesEncoded = encoded;
                    return (Void) null;
                })
                .onComplete(result -> {
                    synchronized (this) {
                        if (result.failed() && !releasesFailing) {
                            LOG.warn("refreshing the release proofs from the ledger failed; serving the previous ones");
                        } else if (result.succeeded() && releasesFailing) {
                            LOG.info("refreshing the release proofs works again");
                        }
                        releasesFailing = result.failed();
                    }
                });
    }

    @Override
    public Future<?> start() {
        web = WebClient.create(
                vertx,
                new WebClientOptions()
                        .setUserAgentEnabled(false)
                        .setConnectTimeout(2000)
                        .setIdleTimeout(10));
        scheduleMirror(1);
        if (releaseProofs.isPresent()) {
            refreshReleases();
            vertx.setPeriodic(refresh.toMillis(), id -> refreshReleases());
        }
        return vertx.createHttpServer(new HttpServerOptions()
                        .setIdleTimeout(30)
                        .setMaxInitialLineLength(1024)
                        .setMaxHeaderSize(8192))
                .requestHandler(this::route)
                .listen(listen.port(), listen.host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("key directory listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }

    /** Whether both documents have been mirrored at least once. */
    public boolean ready() {
        return snapshot != null;
    }

    /** Mirrors after {@code delayMillis}, then every {@code refresh}; sooner, with a bounded backoff, after a failure. */
    private void scheduleMirror(long delayMillis) {
        vertx.setTimer(
                delayMillis,
                id -> mirror().onComplete(result -> {
                    long next;
                    if (result.succeeded()) {
                        retryMillis = FIRST_RETRY_MILLIS;
                        next = refresh.toMillis();
                    } else {
                        next = Math.min(retryMillis, Math.min(MAX_RETRY_MILLIS, refresh.toMillis()));
                        retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
                    }
                    scheduleMirror(next);
                }));
    }

    /**
     * Fetches both documents now, from the replica that answered last or, when it fails, from the others in turn; the
     * served snapshot changes only when both documents of one replica parse. A call while a mirror is in progress
     * joins it.
     */
    public synchronized Future<Void> mirror() {
        if (mirroring != null) {
            return mirroring;
        }
        Future<Void> attempt = mirrorFrom(preferred, gateways.size());
        mirroring = attempt;
        attempt.onComplete(result -> {
            synchronized (this) {
                mirroring = null;
                if (result.failed() && !failing) {
                    LOG.warn("mirroring the gateway's keys failed; serving the previous copy and retrying");
                } else if (result.succeeded() && failing) {
                    LOG.info("mirroring the gateway's keys works again");
                }
                failing = result.failed();
            }
        });
        return attempt;
    }

    /** A client asked to revalidate: mirror now, unless another revalidation happened within the last second. */
    private Future<Void> revalidate() {
        long now = System.nanoTime();
        synchronized (this) {
            if (mirroring == null && now - lastRevalidation < REVALIDATION_INTERVAL_NANOS) {
                return Future.succeededFuture();
            }
            lastRevalidation = now;
        }
        return mirror();
    }

    /** Mirrors replica {@code index}, or on its failure the next one, {@code left} replicas in all. */
    private Future<Void> mirrorFrom(int index, int left) {
        URI gateway = gateways.get(index);
        return fetch(gateway, "/ohttp-keys")
                .compose(keys -> fetch(gateway, "/ohttp-keys/proofs").map(proofs -> {
                    try {
                        KeyConfigs.decode(keys);
                        KeyProofs.decode(proofs);
                    } catch (Exception e) {
                        throw new IllegalStateException("the gateway served an unreadable key document", e);
                    }
                    synchronized (this) {
                        snapshot = new Snapshot(keys, proofs);
                        preferred = index;
                    }
                    return (Void) null;
                }))
                .recover(e -> left > 1 ? mirrorFrom((index + 1) % gateways.size(), left - 1) : Future.failedFuture(e));
    }

    private Future<byte[]> fetch(URI gateway, String path) {
        return BoundedResponse.send(web.getAbs(gateway.resolve(path).toString()).timeout(5000), null, MAX_DOCUMENT)
                .compose(r -> r.statusCode() == 200
                        ? Future.succeededFuture(r.body().getBytes())
                        : Future.failedFuture(
                                new IllegalStateException("gateway answered " + r.statusCode() + " for " + path)));
    }

    private void route(HttpServerRequest request) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"));
            return;
        }
        switch (request.path()) {
            case "/ohttp-keys", "/ohttp-keys/proofs" -> {
                String cacheControl = request.getHeader(HttpHeaders.CACHE_CONTROL);
                if (cacheControl != null
                        && cacheControl.toLowerCase(java.util.Locale.ROOT).contains("no-cache")) {
                    // Answered from the copy as it is after the revalidation, or the previous one if it failed.
                    revalidate().onComplete(r -> serveMirrored(request));
                } else {
                    serveMirrored(request);
                }
            }
            case "/releases/proofs" -> serve(request, KeyProofs.MEDIA_TYPE, releasesEncoded);
            case "/platform-policies/proofs" -> serve(request, KeyProofs.MEDIA_TYPE, platformPoliciesEncoded);
            default -> Problem.NOT_FOUND.send(request.response());
        }
    }

    private void serveMirrored(HttpServerRequest request) {
        Snapshot current = snapshot;
        if (request.path().equals("/ohttp-keys")) {
            serve(request, OhttpMediaTypes.KEYS, current == null ? null : current.keys());
        } else {
            serve(request, KeyProofs.MEDIA_TYPE, current == null ? null : current.proofs());
        }
    }

    /** Serves {@code body}; null means not mirrored yet: 503 with Retry-After. */
    private void serve(HttpServerRequest request, String type, byte[] body) {
        if (body == null) {
            Problem.UNAVAILABLE.send(request.response().putHeader(HttpHeaders.RETRY_AFTER, "1"));
            return;
        }
        request.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, type)
                .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + refresh.toSeconds())
                .end(Buffer.buffer(body));
    }
}
