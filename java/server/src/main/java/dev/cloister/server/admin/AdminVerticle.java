package dev.cloister.server.admin;

import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port: {@code GET /metrics} in the Prometheus text format and {@code GET /health}. Kept off the public
 * port so that operators can firewall it; it exposes counts and timings only.
 */
public final class AdminVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);

    private final ListenAddress listen;
    private final PrometheusMeterRegistry registry;
    private HttpServer server;

    public AdminVerticle(ListenAddress listen, PrometheusMeterRegistry registry) {
        this.listen = listen;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setIdleTimeout(30))
                .requestHandler(request -> {
                    switch (request.path()) {
                        case "/metrics" ->
                            vertx.executeBlocking(registry::scrape)
                                    .onSuccess(text -> request.response()
                                            .putHeader(
                                                    HttpHeaders.CONTENT_TYPE,
                                                    "text/plain; version=0.0.4; charset=utf-8")
                                            .end(text))
                                    .onFailure(e -> Problem.INTERNAL.send(request.response()));
                        case "/health" ->
                            request.response()
                                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                    .end("{\"status\":\"UP\"}");
                        default -> Problem.NOT_FOUND.send(request.response());
                    }
                })
                .listen(listen.port(), listen.host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("admin listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }
}
