package dev.cloister.ledgerserver;

import dev.cloister.ledger.AddCheckpointException;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A witness (c2sp.org/tlog-witness): {@code POST /add-checkpoint} with the old size, a consistency proof and the new
 * checkpoint; the witness checks the log's signature and the proof from the latest checkpoint it cosigned, persists
 * the new size and answers with its timestamped cosignature. Rollbacks and forks are refused (409 with the latest size,
 * or 422).
 */
public final class WitnessVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(WitnessVerticle.class);
    private static final long MAX_BODY = 64 * 1024;

    private final ListenAddress listen;
    private final Witness witness;
    private final Clock clock;
    private HttpServer server;

    public WitnessVerticle(ListenAddress listen, Witness witness, Clock clock) {
        this.listen = listen;
        this.witness = witness;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                        .setIdleTimeout(30)
                        .setMaxInitialLineLength(1024)
                        .setMaxHeaderSize(8192))
                .requestHandler(this::route)
                .listen(listen.port(), listen.host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("witness listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void route(HttpServerRequest request) {
        if (!"/add-checkpoint".equals(request.path())) {
            Problem.NOT_FOUND.send(request.response());
            return;
        }
        if (request.method() != HttpMethod.POST) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "POST"));
            return;
        }
        BoundedBody.read(request, MAX_BODY)
                // One request at a time per witness instance: the latest-size check and its update must not interleave.
                .compose(body ->
                        vertx.executeBlocking(() -> witness.addCheckpoint(body.getBytes(), clock.instant()), true))
                .onSuccess(signatures -> request.response()
                        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .end(Buffer.buffer(signatures)))
                .onFailure(e -> {
                    if (e instanceof AddCheckpointException refusal) {
                        var response = request.response()
                                .setStatusCode(refusal.status().httpStatus());
                        if (refusal.latestSize().isPresent()) {
                            response.putHeader(HttpHeaders.CONTENT_TYPE, "text/x.tlog.size")
                                    .end(refusal.latestSize().getAsLong() + "\n");
                        } else {
                            response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                                    .end(refusal.status().name().toLowerCase() + "\n");
                        }
                    } else if (e instanceof BoundedBody.TooLarge) {
                        Problem.TOO_LARGE.sendAndClose(request);
                    } else {
                        LOG.warn("witness failed internally");
                        Problem.INTERNAL.send(request.response());
                    }
                });
    }
}
