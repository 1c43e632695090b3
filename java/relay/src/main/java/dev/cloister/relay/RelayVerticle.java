package dev.cloister.relay;

import dev.cloister.server.BoundedBody;
import dev.cloister.server.Problem;
import dev.cloister.relay.RelayMetrics.Outcome;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Oblivious Relay (RFC 9458 §2): forwards {@code POST /relay} bodies to the one configured gateway and streams
 * the answer back. It forwards only Content-Type (no client address, cookie or other header), adds nothing that
 * identifies the client, bounds body sizes in both directions and rate-limits per client address.
 */
public final class RelayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);

    private final RelayConfig config;
    private final MeterRegistry registry;
    private ClientRateLimit rateLimit;
    private RelayMetrics metrics;
    private HttpClient client;
    private HttpServer server;

    public RelayVerticle(RelayConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        rateLimit = new ClientRateLimit(config.ratePerSecond(), config.burst());
        metrics = new RelayMetrics(registry);
        client = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) config.connectTimeout().toMillis())
                        .setIdleTimeout((int) config.requestTimeout().toSeconds())
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(64));
        vertx.setPeriodic(60_000, id -> rateLimit.sweep(System.nanoTime()));
        return vertx.createHttpServer(new HttpServerOptions()
                        // The exchange deadline is the client-side timeout towards the gateway; the server's idle
                        // timeout only reaps dead client connections, so it must be longer.
                        .setIdleTimeout((int) config.requestTimeout().toSeconds() + 5)
                        .setIdleTimeoutUnit(TimeUnit.SECONDS)
                        .setMaxInitialLineLength(1024)
                        .setMaxHeaderSize(8192))
                .requestHandler(this::route)
                .listen(config.listen().port(), config.listen().host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("relay listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void route(HttpServerRequest request) {
        if (!"/relay".equals(request.path())) {
            Problem.NOT_FOUND.send(request.response());
            return;
        }
        if (request.method() != HttpMethod.POST) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "POST"));
            return;
        }
        relay(request);
    }

    private void relay(HttpServerRequest request) {
        long start = System.nanoTime();
        HttpServerResponse response = request.response();
        String mediaType = BoundedBody.mediaType(request.getHeader(HttpHeaders.CONTENT_TYPE));
        if (!OhttpMediaTypes.REQUEST.equals(mediaType) && !OhttpMediaTypes.CHUNKED_REQUEST.equals(mediaType)) {
            metrics.record(Outcome.MEDIA_TYPE, start);
            Problem.UNSUPPORTED_MEDIA_TYPE.send(response);
            return;
        }
        String clientAddress = ClientRateLimit.clientKey(request.remoteAddress() == null ? ""
                : request.remoteAddress().hostAddress());
        long retryAfter = rateLimit.tryAcquire(clientAddress, start);
        if (retryAfter > 0) {
            metrics.record(Outcome.RATE_LIMITED, start);
            Problem.TOO_MANY_REQUESTS.send(response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter)));
            return;
        }
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared);
            } catch (NumberFormatException e) {
                length = Long.MAX_VALUE;
            }
            if (length > config.maxBodyBytes()) {
                metrics.record(Outcome.TOO_LARGE, start);
                Problem.TOO_LARGE.sendAndClose(request);
                return;
            }
        }
        request.pause();
        long contentLength = length;
        // A whole-exchange deadline: a client that drips its body, or a gateway that drips its answer, cannot hold a
        // connection beyond it (idle timeouts alone reset on every byte).
        HttpClientRequest[] upstream = {null};
        boolean[] timedOut = {false};
        long deadline = vertx.setTimer(config.requestTimeout().toMillis(), id -> {
            timedOut[0] = true;
            if (!response.ended()) {
                metrics.record(Outcome.GATEWAY_TIMEOUT, start);
                Problem.GATEWAY_TIMEOUT.sendAndClose(request);
            }
            if (upstream[0] != null) {
                upstream[0].reset(); // free the gateway connection too
            }
        });
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(config.gateway().toString())
                .setIdleTimeout(config.requestTimeout().toMillis());
        client.request(options)
                .compose(forward -> {
                    upstream[0] = forward;
                    forward.putHeader(HttpHeaders.CONTENT_TYPE, mediaType);
                    String incremental = request.getHeader("Incremental");
                    if (incremental != null && OhttpMediaTypes.CHUNKED_REQUEST.equals(mediaType)) {
                        // draft-ietf-ohai-chunked-ohttp §3: intermediaries should not buffer this message.
                        forward.putHeader("Incremental", "?1");
                    }
                    if (contentLength >= 0) {
                        forward.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(contentLength));
                    } else {
                        forward.setChunked(true);
                    }
                    Future<HttpClientResponse> answer = forward.response();
                    streamBody(request, forward);
                    return answer;
                })
                .compose(answer -> streamBack(answer, response))
                .onComplete(result -> {
                    vertx.cancelTimer(deadline);
                    if (timedOut[0]) {
                        return; // the deadline already answered and closed
                    }
                    if (result.succeeded()) {
                        metrics.record(Outcome.FORWARDED, start);
                        return;
                    }
                    Throwable cause = result.cause();
                    if (cause instanceof BoundedBody.TooLarge) {
                        metrics.record(Outcome.TOO_LARGE, start);
                        Problem.TOO_LARGE.sendAndClose(request);
                    } else if (response.headWritten()) {
                        metrics.record(Outcome.GATEWAY_UNREACHABLE, start);
                        request.connection().close();
                    } else if (cause instanceof TimeoutException
                            || (cause.getMessage() != null && cause.getMessage().contains("timeout"))) {
                        metrics.record(Outcome.GATEWAY_TIMEOUT, start);
                        Problem.GATEWAY_TIMEOUT.send(response);
                    } else if (request.isEnded() || cause instanceof ConnectException) {
                        metrics.record(Outcome.GATEWAY_UNREACHABLE, start);
                        Problem.BAD_GATEWAY.send(response);
                    } else {
                        metrics.record(Outcome.CLIENT_ABORTED, start);
                        Problem.BAD_GATEWAY.send(response);
                    }
                });
    }

    /** Copies the client's body to the gateway with backpressure, failing the exchange if it exceeds the limit. */
    private void streamBody(HttpServerRequest from, HttpClientRequest to) {
        long[] seen = {0};
        from.handler(buffer -> {
            seen[0] += buffer.length();
            if (seen[0] > config.maxBodyBytes()) {
                from.handler(null);
                to.reset(0, new BoundedBody.TooLarge(config.maxBodyBytes()));
                return;
            }
            to.write(buffer);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
        from.exceptionHandler(e -> to.reset(0, e));
        from.endHandler(v -> to.end());
        from.resume();
    }

    /** Streams the gateway's answer back: its status, its Content-Type, its body; nothing else. */
    private Future<Void> streamBack(HttpClientResponse answer, HttpServerResponse response) {
        Promise<Void> done = Promise.promise();
        response.setStatusCode(answer.statusCode());
        String contentType = answer.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null) {
            response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        }
        if (answer.getHeader("Incremental") != null && OhttpMediaTypes.CHUNKED_RESPONSE.equals(contentType)) {
            response.putHeader("Incremental", "?1");
        }
        response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
        } else {
            response.setChunked(true);
        }
        long[] seen = {0};
        answer.handler(buffer -> {
            seen[0] += buffer.length();
            if (seen[0] > config.maxBodyBytes()) {
                answer.handler(null);
                answer.request().reset();
                done.tryFail(new BoundedBody.TooLarge(config.maxBodyBytes()));
                return;
            }
            response.write(buffer);
            if (response.writeQueueFull()) {
                answer.pause();
                response.drainHandler(v -> answer.resume());
            }
        });
        answer.exceptionHandler(done::tryFail);
        answer.endHandler(v -> response.end().onComplete(done));
        return done.future();
    }
}
