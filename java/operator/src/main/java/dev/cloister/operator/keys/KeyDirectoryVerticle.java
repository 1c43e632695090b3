package dev.cloister.operator.keys;

import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.ledger.proof.KeyProofs;
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
 * take the measurements they accept.
 */
public final class KeyDirectoryVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectoryVerticle.class);
    private static final int MAX_DOCUMENT = 1 << 20;

    private final ListenAddress listen;
    private final URI gateway;
    private final Duration refresh;
    private final byte[] releasesEncoded;
    private WebClient web;
    private HttpServer server;
    private volatile Snapshot snapshot;

    private record Snapshot(byte[] keys, byte[] proofs) {}

    /** @param gateway the gateway's base URL (its {@code /ohttp-keys} and {@code /ohttp-keys/proofs} are mirrored) */
    public KeyDirectoryVerticle(ListenAddress listen, URI gateway, Duration refresh) {
        this(listen, gateway, refresh, new KeyProofs(java.util.List.of()));
    }

    /** @param releases the ledger proofs of the enclave releases the operator runs, served at {@code /releases/proofs} */
    public KeyDirectoryVerticle(ListenAddress listen, URI gateway, Duration refresh, KeyProofs releases) {
        this.listen = listen;
        this.gateway = gateway;
        this.refresh = refresh;
        this.releasesEncoded = releases.encode();
    }

    @Override
    public Future<?> start() {
        web = WebClient.create(vertx, new WebClientOptions().setUserAgentEnabled(false).setConnectTimeout(2000)
                .setIdleTimeout(10));
        vertx.setPeriodic(1, refresh.toMillis(), id -> mirror());
        return vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(30).setMaxInitialLineLength(1024)
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

    /** Fetches both documents now; the served snapshot changes only when both parse. */
    public Future<Void> mirror() {
        return fetch("/ohttp-keys").compose(keys -> fetch("/ohttp-keys/proofs").map(proofs -> {
            try {
                KeyConfigs.decode(keys);
                KeyProofs.decode(proofs);
            } catch (Exception e) {
                throw new IllegalStateException("the gateway served an unreadable key document", e);
            }
            snapshot = new Snapshot(keys, proofs);
            return (Void) null;
        })).onFailure(e -> LOG.warn("mirroring the gateway's keys failed; serving the previous copy"));
    }

    private Future<byte[]> fetch(String path) {
        return BoundedResponse.send(web.getAbs(gateway.resolve(path).toString()).timeout(5000), null, MAX_DOCUMENT)
                .compose(r -> r.statusCode() == 200
                        ? Future.succeededFuture(r.body().getBytes())
                        : Future.failedFuture(new IllegalStateException("gateway answered " + r.statusCode() + " for " + path)));
    }

    private void route(HttpServerRequest request) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"));
            return;
        }
        Snapshot current = snapshot;
        switch (request.path()) {
            case "/ohttp-keys" -> serve(request, OhttpMediaTypes.KEYS, current == null ? null : current.keys());
            case "/ohttp-keys/proofs" -> serve(request, KeyProofs.MEDIA_TYPE, current == null ? null : current.proofs());
            case "/releases/proofs" -> serve(request, KeyProofs.MEDIA_TYPE, releasesEncoded);
            default -> Problem.NOT_FOUND.send(request.response());
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
