package dev.cloister.relay;

import dev.cloister.relay.RelayMetrics.Outcome;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.Problem;
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
 * The Oblivious Relay (RFC 9458 §2): forwards {@code POST /relay} bodies to a gateway replica and streams the answer
 * back. It forwards only Content-Type (no client address, cookie or other header), adds nothing that identifies the
 * client, bounds body sizes in both directions and rate-limits per client address.
 *
 * <p>Requests are spread round robin over the replicas that answered their last probe ({@link GatewayReplicas}). An
 * exchange moves to another replica only when no connection to the first could be opened: then not a byte of the
 * request has left the relay. Once a request stream is open it may have reached a gateway (which may have spent its
 * token or forwarded it to an enclave), so it is never sent twice: a failure after that is answered as a problem.
 */
public final class RelayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);
    /** How long a connection whose upload was refused stays open after the answer, so the client can read it. */
    private static final long LINGER_MILLIS = 500;

    private final RelayConfig config;
    private final MeterRegistry registry;
    private ClientRateLimit rateLimit;
    private RelayMetrics metrics;
    private HttpClient client;
    /**
     * Probes have their own client, one fresh connection each: a probe never waits behind forwarded exchanges in a
     * full pool (which would mark a busy replica unhealthy) and never leaves a connection for a forwarded request.
     */
    private HttpClient probes;

    private HttpServer server;
    private GatewayReplicas replicas;

    public RelayVerticle(RelayConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        rateLimit = new ClientRateLimit(config.ratePerSecond(), config.burst());
        metrics = new RelayMetrics(registry);
        client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setConnectTimeout((int) config.connectTimeout().toMillis())
                        .setIdleTimeout((int) config.requestTimeout().toSeconds())
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(64));
        probes = vertx.createHttpClient(
                new HttpClientOptions()
                        .setConnectTimeout((int) config.connectTimeout().toMillis())
                        .setKeepAlive(false),
                new PoolOptions().setHttp1MaxSize(Math.max(1, config.gateways().size())));
        vertx.setPeriodic(60_000, id -> rateLimit.sweep(System.nanoTime()));
        replicas = new GatewayReplicas(config.gateways());
        vertx.setPeriodic(config.probeInterval().toMillis(), id -> probeAll());
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

    /**
     * Probes every replica: {@code HEAD} on its gateway URL, answered within the connect timeout with a status below
     * 500, is healthy (a gateway answers 405 to a HEAD: alive; 503 says it cannot serve). The probe carries nothing
     * of any client.
     */
    private void probeAll() {
        for (GatewayReplicas.Replica replica : replicas.all()) {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.HEAD)
                    .setAbsoluteURI(replica.url().toString())
                    .setConnectTimeout(config.connectTimeout().toMillis())
                    .setIdleTimeout(config.connectTimeout().toMillis());
            probes.request(options)
                    .compose(probe -> probe.send())
                    .compose(answer -> answer.end().map(v -> answer.statusCode()))
                    .onComplete(result -> {
                        boolean healthy = result.succeeded() && result.result() < 500;
                        if (!healthy) metrics.probeFailed();
                        if (replicas.mark(replica, healthy)) {
                            if (healthy) {
                                LOG.info("gateway replica {} is healthy again", replica.url());
                            } else {
                                LOG.warn(
                                        "gateway replica {} failed its probe ({}): skipped until a probe succeeds",
                                        replica.url(),
                                        result.succeeded()
                                                ? "status " + result.result()
                                                : result.cause().toString());
                            }
                        }
                    });
        }
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
        String clientAddress =
                request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress();
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
        new Exchange(request, mediaType, length, start).run();
    }

    /**
     * One client request relayed to the gateway. Whoever answers first settles it: the gateway's answer, the body
     * limit or the deadline; later events change nothing. An upload that is refused (by the relay's limit, or by the
     * gateway answering an error before the body ended) is not read any further: the client gets the answer at once
     * and the connection is closed, however much body is still to come.
     */
    private final class Exchange {
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        private final String mediaType;
        private final long contentLength;
        private final long start;
        private final long deadline;
        private HttpClientRequest upstream;
        /** The relay answered on its own (limit, deadline): the gateway's answer, if any, is dropped. */
        private boolean settled;
        /** The gateway refused before the client's body ended: after its answer, the connection is closed. */
        private boolean closeAfterAnswer;
        /** The client's connection closed before the answer ended. */
        private boolean clientGone;

        Exchange(HttpServerRequest request, String mediaType, long contentLength, long start) {
            this.request = request;
            this.response = request.response();
            this.mediaType = mediaType;
            this.contentLength = contentLength;
            this.start = start;
            // A whole-exchange deadline: a client that drips its body, or a gateway that drips its answer, cannot hold
            // a connection beyond it (idle timeouts alone reset on every byte).
            this.deadline = vertx.setTimer(
                    config.requestTimeout().toMillis(), id -> refuse(Problem.GATEWAY_TIMEOUT, Outcome.GATEWAY_TIMEOUT));
        }

        void run() {
            // The client went away mid-answer: the gateway exchange is reset too, so the gateway and the enclave stop
            // (the enclave cancels the generation and frees its sequence).
            response.closeHandler(v -> {
                if (upstream != null && !response.ended()) {
                    clientGone = true;
                    upstream.reset();
                }
            });
            open().compose(forward -> {
                        if (settled) {
                            forward.reset();
                            return Future.failedFuture(new IllegalStateException("exchange already answered"));
                        }
                        upstream = forward;
                        // Failures of the forwarded request (a gateway that closes after refusing) fail its response
                        // future, which settles the exchange; the stream's own handler has nothing to add.
                        forward.exceptionHandler(e -> {});
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
                        streamBody(forward);
                        return answer;
                    })
                    .compose(this::streamBack)
                    .onComplete(this::completed);
        }

        /**
         * Opens a request stream to a replica. If no connection to the first replica chosen can be opened (refused,
         * timed out, unresolvable), nothing of this request has been written, so it is tried once on another replica.
         */
        private Future<HttpClientRequest> open() {
            GatewayReplicas.Replica first = replicas.choose(null);
            return open(first).recover(failure -> {
                GatewayReplicas.Replica second = replicas.choose(first);
                if (settled || second == null) return Future.failedFuture(failure);
                metrics.retried();
                return open(second);
            });
        }

        private Future<HttpClientRequest> open(GatewayReplicas.Replica replica) {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI(replica.url().toString())
                    .setIdleTimeout(config.requestTimeout().toMillis());
            return client.request(options).onFailure(e -> {
                if (replicas.mark(replica, false)) {
                    LOG.warn(
                            "gateway replica {} refused a connection ({}): skipped until a probe succeeds",
                            replica.url(),
                            e.toString());
                }
            });
        }

        private void completed(io.vertx.core.AsyncResult<Void> result) {
            if (settled) {
                return; // the relay already answered and closed
            }
            settled = true;
            vertx.cancelTimer(deadline);
            if (result.succeeded()) {
                metrics.record(Outcome.FORWARDED, start);
                if (closeAfterAnswer) {
                    upstream.reset(); // its body never ended: the gateway connection cannot be reused
                    closeSoon();
                }
                return;
            }
            Throwable cause = result.cause();
            if (clientGone) {
                metrics.record(Outcome.CLIENT_ABORTED, start);
                return;
            }
            if (cause instanceof BoundedBody.TooLarge) {
                metrics.record(Outcome.TOO_LARGE, start);
                Problem.TOO_LARGE.sendAndClose(request);
            } else if (response.headWritten()) {
                metrics.record(Outcome.GATEWAY_UNREACHABLE, start);
                request.connection().close();
            } else if (cause instanceof TimeoutException
                    || (cause.getMessage() != null && cause.getMessage().contains("timeout"))) {
                metrics.record(Outcome.GATEWAY_TIMEOUT, start);
                answer(Problem.GATEWAY_TIMEOUT);
            } else if (request.isEnded() || cause instanceof ConnectException) {
                metrics.record(Outcome.GATEWAY_UNREACHABLE, start);
                // What failed towards the gateway (the relay holds only encapsulated bytes: nothing private here).
                LOG.warn("a request could not be forwarded to a gateway: {}", cause.toString());
                answer(Problem.BAD_GATEWAY);
            } else {
                metrics.record(Outcome.CLIENT_ABORTED, start);
                answer(Problem.BAD_GATEWAY);
            }
        }

        /** Answers {@code problem}; a body still arriving is not read: the connection is closed after the answer. */
        private void answer(Problem problem) {
            if (request.isEnded()) {
                problem.send(response);
            } else {
                stopReading();
                problem.sendAndClose(request);
            }
        }

        /** The relay answers on its own: the client's body is not read further, the gateway exchange is dropped. */
        private void refuse(Problem problem, Outcome outcome) {
            if (settled) {
                return;
            }
            settled = true;
            vertx.cancelTimer(deadline);
            stopReading();
            if (upstream != null) {
                upstream.reset(); // free the gateway connection too
            }
            metrics.record(outcome, start);
            problem.sendAndClose(request);
        }

        private void stopReading() {
            if (!request.isEnded()) {
                request.handler(null);
                request.pause();
            }
        }

        /** Closes the client connection a moment after the answer, so that a client still sending can read it. */
        private void closeSoon() {
            vertx.setTimer(LINGER_MILLIS, id -> request.connection().close());
        }

        /** Copies the client's body to the gateway with backpressure; a body over the limit is refused at once. */
        private void streamBody(HttpClientRequest to) {
            long[] seen = {0};
            request.handler(buffer -> {
                seen[0] += buffer.length();
                if (seen[0] > config.maxBodyBytes()) {
                    refuse(Problem.TOO_LARGE, Outcome.TOO_LARGE);
                    return;
                }
                to.write(buffer);
                if (to.writeQueueFull()) {
                    request.pause();
                    to.drainHandler(v -> {
                        if (!settled && !closeAfterAnswer) request.resume();
                    });
                }
            });
            request.exceptionHandler(e -> to.reset(0, e));
            request.endHandler(v -> to.end());
            request.resume();
        }

        /**
         * Streams the gateway's answer back: its status, its Content-Type, its body; nothing else. An error answered
         * before the client's body ended (the gateway refused the upload) stops the upload: it is passed on at once
         * and the connection is closed after it.
         */
        private Future<Void> streamBack(HttpClientResponse answer) {
            if (settled) {
                return Future.failedFuture(new IllegalStateException("exchange already answered"));
            }
            Promise<Void> done = Promise.promise();
            if (answer.statusCode() >= 400 && !request.isEnded()) {
                closeAfterAnswer = true;
                stopReading();
                response.putHeader(HttpHeaders.CONNECTION, "close");
            }
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
}
