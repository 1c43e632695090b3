package dev.cloister.operator.gateway;

import dev.cloister.operator.gateway.GatewayMetrics.Kind;
import dev.cloister.operator.gateway.GatewayMetrics.Outcome;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.Problem;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.ohttp.ChunkedRequestReader;
import dev.cloister.wire.ohttp.ChunkedResponseWriter;
import dev.cloister.wire.ohttp.KeyConfigs;
import dev.cloister.wire.ohttp.KeyRing;
import dev.cloister.wire.ohttp.ObliviousGateway;
import dev.cloister.wire.ohttp.OhttpException;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Oblivious Gateway (RFC 9458 §2): serves the key configurations and turns encapsulated requests into requests to
 * the {@link Target}, and the target's responses into encapsulated responses. Plain and chunked OHTTP.
 *
 * <p>Decapsulation runs on the event loop: it costs about a hundred microseconds (see the README's benchmark
 * figures). Errors outside the encapsulation are RFC 9457 problems; errors in the inner request are encapsulated
 * Binary HTTP responses, so that the relay learns nothing from them.
 */
public final class GatewayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

    private final GatewayConfig config;
    private final Supplier<KeyRing> keys;
    private final Target target;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Supplier<dev.cloister.ledger.proof.KeyProofs> keyProofs;
    private final SecureRandom random = new SecureRandom();
    private ObliviousGateway gateway;
    private GatewayMetrics metrics;
    private HttpServer server;

    public GatewayVerticle(
            GatewayConfig config, Supplier<KeyRing> keys, Target target, MeterRegistry registry, Clock clock) {
        this(config, keys, null, target, registry, clock);
    }

    /**
     * @param keyProofs the ledger proofs of the keys, served at {@code /ohttp-keys/proofs} (null: not published)
     */
    public GatewayVerticle(
            GatewayConfig config,
            Supplier<KeyRing> keys,
            Supplier<dev.cloister.ledger.proof.KeyProofs> keyProofs,
            Target target,
            MeterRegistry registry,
            Clock clock) {
        this.config = config;
        this.keys = keys;
        this.keyProofs = keyProofs;
        this.target = target;
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        gateway = new ObliviousGateway(keys);
        metrics = new GatewayMetrics(registry);
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout((int) config.requestTimeout().toSeconds() + 5)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(1024)
                .setMaxHeaderSize(8192)
                .setCompressionSupported(false);
        return vertx.createHttpServer(options)
                .requestHandler(this::route)
                .listen(config.listen().port(), config.listen().host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("gateway listening on port {}", s.actualPort());
                });
    }

    /** The port actually bound (useful with port 0). */
    public int actualPort() {
        return server.actualPort();
    }

    /**
     * Audit hook: sees every request as the gateway receives it (method, path, headers, remote address), before it is
     * handled. Used by the privacy tests to assert what the gateway can observe.
     */
    public void observeRequests(java.util.function.Consumer<HttpServerRequest> observer) {
        this.observer = observer;
    }

    private volatile java.util.function.Consumer<HttpServerRequest> observer = r -> {};

    private void route(HttpServerRequest request) {
        observer.accept(request);
        switch (request.path()) {
            case "/ohttp-keys" -> {
                if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
                    Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"));
                } else {
                    keys(request);
                }
            }
            case "/ohttp-keys/proofs" -> {
                if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
                    Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"));
                } else if (keyProofs == null) {
                    Problem.NOT_FOUND.send(request.response());
                } else {
                    request.response()
                            .putHeader(HttpHeaders.CONTENT_TYPE, dev.cloister.ledger.proof.KeyProofs.MEDIA_TYPE)
                            .putHeader(
                                    HttpHeaders.CACHE_CONTROL,
                                    "public, max-age=" + config.keysMaxAge().toSeconds())
                            .end(Buffer.buffer(keyProofs.get().encode()));
                }
            }
            case "/gateway" -> {
                if (request.method() != HttpMethod.POST) {
                    Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "POST"));
                    return;
                }
                String mediaType = BoundedBody.mediaType(request.getHeader(HttpHeaders.CONTENT_TYPE));
                switch (mediaType) {
                    case OhttpMediaTypes.REQUEST -> ohttp(request);
                    case OhttpMediaTypes.CHUNKED_REQUEST -> chunked(request);
                    default -> {
                        metrics.record(Kind.OHTTP, Outcome.MEDIA_TYPE, System.nanoTime());
                        Problem.UNSUPPORTED_MEDIA_TYPE.send(request.response()
                                .putHeader(
                                        HttpHeaders.ACCEPT,
                                        OhttpMediaTypes.REQUEST + ", " + OhttpMediaTypes.CHUNKED_REQUEST));
                    }
                }
            }
            default -> Problem.NOT_FOUND.send(request.response());
        }
    }

    /** {@code GET /ohttp-keys}: the advertised configurations as {@code application/ohttp-keys} (RFC 9458 §3.2). */
    private void keys(HttpServerRequest request) {
        metrics.keyFetch();
        byte[] list = KeyConfigs.encode(keys.get().advertised(clock.instant()));
        request.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, OhttpMediaTypes.KEYS)
                .putHeader(
                        HttpHeaders.CACHE_CONTROL,
                        "public, max-age=" + config.keysMaxAge().toSeconds())
                .end(Buffer.buffer(list));
    }

    /** {@code message/ohttp-req}: read the bounded body, decapsulate, call the target, encapsulate. */
    private void ohttp(HttpServerRequest request) {
        long start = System.nanoTime();
        HttpServerResponse response = request.response();
        long timer = deadline(request, Kind.OHTTP, start, () -> {});
        BoundedBody.read(request, config.ohttpLimits().maxMessageLength())
                .compose(body -> decapsulate(body.getBytes()))
                .compose(decapsulated -> {
                    return inner(decapsulated.request()).compose(inner -> {
                        try {
                            byte[] encapsulated = decapsulated.encapsulateResponse(inner.encoded, random);
                            Arrays.fill(inner.encoded, (byte) 0);
                            return response.setStatusCode(200)
                                    .putHeader(HttpHeaders.CONTENT_TYPE, OhttpMediaTypes.RESPONSE)
                                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                                    .end(Buffer.buffer(encapsulated))
                                    .map(v -> inner.outcome);
                        } catch (OhttpException e) {
                            return Future.failedFuture(e);
                        }
                    });
                })
                .onComplete(result -> {
                    vertx.cancelTimer(timer);
                    if (result.succeeded()) {
                        metrics.record(Kind.OHTTP, result.result(), start);
                    } else {
                        fail(request, Kind.OHTTP, result.cause(), start);
                    }
                });
    }

    private Future<ObliviousGateway.DecapsulatedRequest> decapsulate(byte[] message) {
        if (config.decapsulation() == GatewayConfig.Decapsulation.WORKER) {
            return vertx.executeBlocking(() -> gateway.decapsulate(message, clock.instant()), false);
        }
        try {
            return Future.succeededFuture(gateway.decapsulate(message, clock.instant()));
        } catch (OhttpException e) {
            return Future.failedFuture(e);
        }
    }

    /** The target's answer, encoded; or an encapsulated 400 when the inner request is not valid Binary HTTP. */
    // byte[]: the encoded answer, handed as is to the encapsulation once per request (no copy)
    private record Inner(byte[] encoded, Outcome outcome) {}

    private Future<Inner> inner(byte[] requestBytes) {
        BinaryRequest inner;
        try {
            inner = BinaryRequest.decode(requestBytes, config.bhttpLimits());
        } catch (BhttpException | RuntimeException e) {
            return Future.succeededFuture(new Inner(
                    BinaryResponse.of(400, FieldSection.EMPTY, new byte[0]).encode(), Outcome.INNER_MALFORMED));
        } finally {
            Arrays.fill(requestBytes, (byte) 0);
        }
        Future<BinaryResponse> answer;
        try {
            answer = target.handle(inner);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        return answer
                // The target gets four fifths of the request's time, so that its timeout is answered (encapsulated
                // 504) before the request deadline tears the exchange down.
                .timeout(config.requestTimeout().toMillis() * 4 / 5, TimeUnit.MILLISECONDS)
                .map(r -> new Inner(r.encode(), Outcome.OK))
                .recover(e -> Future.succeededFuture(new Inner(
                        BinaryResponse.of(
                                        e instanceof java.util.concurrent.TimeoutException ? 504 : 500,
                                        FieldSection.EMPTY,
                                        new byte[0])
                                .encode(),
                        e instanceof java.util.concurrent.TimeoutException ? Outcome.TIMEOUT : Outcome.INTERNAL)));
    }

    /**
     * {@code message/ohttp-chunked-req}: chunks are opened as they arrive; a stream that ends without its final chunk
     * is refused. The response is streamed as {@code message/ohttp-chunked-res}.
     */
    private void chunked(HttpServerRequest request) {
        long start = System.nanoTime();
        ChunkedRequestReader reader = new ChunkedRequestReader(keys, clock.instant(), config.ohttpLimits());
        // Opened chunks, zeroed on every way out: success, refusal, a broken connection and the deadline.
        List<byte[]> opened = new ArrayList<>();
        boolean[] failed = {false};
        Runnable wipe = () -> {
            opened.forEach(chunk -> Arrays.fill(chunk, (byte) 0));
            opened.clear();
        };
        long timer = deadline(request, Kind.CHUNKED, start, () -> {
            failed[0] = true;
            reader.fail();
            wipe.run();
        });
        request.handler(buffer -> {
            if (failed[0]) return;
            try {
                opened.addAll(reader.offer(buffer.getBytes()));
            } catch (OhttpException e) {
                failed[0] = true;
                vertx.cancelTimer(timer);
                wipe.run();
                fail(request, Kind.CHUNKED, e, start);
            }
        });
        request.exceptionHandler(e -> {
            failed[0] = true;
            vertx.cancelTimer(timer);
            reader.fail();
            wipe.run();
        });
        request.endHandler(v -> {
            if (failed[0]) return;
            byte[] whole;
            try {
                opened.add(reader.finish());
                int total = 0;
                for (byte[] chunk : opened) total += chunk.length;
                whole = new byte[total];
                int at = 0;
                for (byte[] chunk : opened) {
                    System.arraycopy(chunk, 0, whole, at, chunk.length);
                    at += chunk.length;
                }
            } catch (OhttpException e) {
                vertx.cancelTimer(timer);
                reader.fail();
                fail(request, Kind.CHUNKED, e, start);
                return;
            } finally {
                wipe.run();
            }
            ChunkedResponseWriter writer = reader.responseWriter(random);
            Future<Outcome> answered = target instanceof StreamingTarget streaming
                    ? streamInner(streaming, whole, request.response(), writer)
                    : inner(whole).compose(inner -> streamResponse(request.response(), writer, inner));
            answered.onComplete(result -> {
                vertx.cancelTimer(timer);
                if (result.succeeded()) {
                    metrics.record(Kind.CHUNKED, result.result(), start);
                } else {
                    writer.destroy();
                    fail(request, Kind.CHUNKED, result.cause(), start);
                }
            });
        });
    }

    /**
     * A streaming target's answer as it is produced: an indeterminate-length BHTTP response whose head and each content
     * piece go out as their own OHTTP chunk; the end (content terminator, trailers) is the final chunk.
     */
    private Future<Outcome> streamInner(
            StreamingTarget streaming, byte[] requestBytes, HttpServerResponse response, ChunkedResponseWriter writer) {
        BinaryRequest inner;
        try {
            inner = BinaryRequest.decode(requestBytes, config.bhttpLimits());
        } catch (BhttpException | RuntimeException e) {
            return streamResponse(
                    response,
                    writer,
                    new Inner(
                            BinaryResponse.of(400, FieldSection.EMPTY, new byte[0])
                                    .encode(),
                            Outcome.INNER_MALFORMED));
        } finally {
            Arrays.fill(requestBytes, (byte) 0);
        }
        Future<StreamingTarget.StreamedResponse> answer;
        try {
            answer = streaming.stream(inner);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        return answer.timeout(config.requestTimeout().toMillis() * 4 / 5, TimeUnit.MILLISECONDS)
                .transform(result -> {
                    if (result.failed()) {
                        boolean timeout = result.cause() instanceof java.util.concurrent.TimeoutException;
                        return streamResponse(
                                response,
                                writer,
                                new Inner(
                                        BinaryResponse.of(timeout ? 504 : 500, FieldSection.EMPTY, new byte[0])
                                                .encode(),
                                        timeout ? Outcome.TIMEOUT : Outcome.INTERNAL));
                    }
                    StreamingTarget.StreamedResponse streamed = result.result();
                    if (streamed.content() == null) {
                        // Already whole: the same known-length answer as any target's.
                        byte[] content = streamed.whole();
                        Inner whole = new Inner(
                                BinaryResponse.of(streamed.status(), streamed.headers(), content)
                                        .encode(),
                                Outcome.OK);
                        Arrays.fill(content, (byte) 0);
                        return streamResponse(response, writer, whole);
                    }
                    dev.cloister.wire.bhttp.IndeterminateResponseWriter bhttp =
                            new dev.cloister.wire.bhttp.IndeterminateResponseWriter();
                    io.vertx.core.Promise<Outcome> done = io.vertx.core.Promise.promise();
                    try {
                        beginChunked(response, writer);
                        response.write(Buffer.buffer(
                                writer.sealChunk(bhttp.head(List.of(), streamed.status(), streamed.headers()))));
                    } catch (OhttpException e) {
                        return Future.failedFuture(e);
                    }
                    // The relay's connection closed mid-answer (its client went away): the enclave's exchange is
                    // reset too, so the enclave cancels the generation and frees its sequence.
                    response.closeHandler(v -> {
                        if (streamed.content() instanceof io.vertx.core.http.HttpClientResponse enclave) {
                            enclave.request().reset();
                        }
                        done.tryFail(new java.nio.channels.ClosedChannelException());
                    });
                    long[] sent = {0};
                    // An enclave's TLS bytes leave one record per OHTTP chunk, however TCP cut them on the way here.
                    java.util.Optional<TlsRecordAligner> records = streamed.headers()
                            .first("content-type")
                            .filter(dev.cloister.protocol.MediaTypes.CLOISTER_TLS::equals)
                            .map(type -> new TlsRecordAligner());
                    streamed.content().handler(piece -> {
                        try {
                            sent[0] += piece.length();
                            if (sent[0] > streamed.maxContent()) {
                                throw new IllegalStateException("streamed answer too long");
                            }
                            byte[] bytes = piece.getBytes();
                            for (byte[] plain : records.map(r -> r.offer(bytes)).orElse(List.of(bytes))) {
                                sendPiece(response, writer, bhttp, plain);
                            }
                            // A relay (its client) that reads slowly: stop reading the enclave until it drains, so
                            // TCP's flow control reaches the enclave, which pauses the generation (backpressure end to
                            // end; nothing piles up here).
                            if (response.writeQueueFull()) {
                                streamed.content().pause();
                                response.drainHandler(v -> streamed.content().resume());
                            }
                        } catch (OhttpException | RuntimeException e) {
                            streamed.content().handler(null);
                            done.tryFail(e);
                        }
                    });
                    streamed.content().exceptionHandler(done::tryFail);
                    streamed.content().endHandler(v -> {
                        try {
                            if (records.isPresent())
                                sendPiece(response, writer, bhttp, records.get().rest());
                            response.end(Buffer.buffer(writer.sealFinal(bhttp.end(FieldSection.EMPTY))))
                                    .onComplete(r -> done.tryComplete(Outcome.OK));
                        } catch (OhttpException e) {
                            done.tryFail(e);
                        }
                    });
                    return done.future();
                });
    }

    /** One content piece of a streamed answer as its own OHTTP chunk (nothing for an empty piece). */
    private static void sendPiece(
            HttpServerResponse response,
            ChunkedResponseWriter writer,
            dev.cloister.wire.bhttp.IndeterminateResponseWriter bhttp,
            byte[] plain)
            throws OhttpException {
        byte[] framed = bhttp.contentChunk(plain);
        Arrays.fill(plain, (byte) 0);
        if (framed.length > 0) {
            response.write(Buffer.buffer(writer.sealChunk(framed)));
            Arrays.fill(framed, (byte) 0);
        }
    }

    private Future<Outcome> streamResponse(HttpServerResponse response, ChunkedResponseWriter writer, Inner inner) {
        try {
            beginChunked(response, writer);
            byte[] encoded = inner.encoded;
            int step = config.responseChunk();
            int at = 0;
            while (encoded.length - at > step) {
                byte[] piece = Arrays.copyOfRange(encoded, at, at + step);
                response.write(Buffer.buffer(writer.sealChunk(piece)));
                Arrays.fill(piece, (byte) 0);
                at += step;
            }
            byte[] piece = Arrays.copyOfRange(encoded, at, encoded.length);
            byte[] last = writer.sealFinal(piece);
            Arrays.fill(piece, (byte) 0);
            Arrays.fill(encoded, (byte) 0);
            return response.end(Buffer.buffer(last)).map(v -> inner.outcome);
        } catch (OhttpException e) {
            return Future.failedFuture(e);
        }
    }

    /** The status, headers and response-encapsulation header of a {@code message/ohttp-chunked-res}. */
    private static void beginChunked(HttpServerResponse response, ChunkedResponseWriter writer) {
        response.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, OhttpMediaTypes.CHUNKED_RESPONSE)
                .putHeader("Incremental", "?1")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .setChunked(true);
        response.write(Buffer.buffer(writer.header()));
    }

    /** Tears the exchange down if it is not finished in time, after {@code teardown} has wiped its state. */
    private long deadline(HttpServerRequest request, Kind kind, long start, Runnable teardown) {
        return vertx.setTimer(config.requestTimeout().toMillis(), id -> {
            teardown.run();
            if (!request.response().ended()) {
                metrics.record(kind, Outcome.TIMEOUT, start);
                Problem.REQUEST_TIMEOUT.sendAndClose(request);
            }
        });
    }

    private void fail(HttpServerRequest request, Kind kind, Throwable cause, long start) {
        Problem problem;
        Outcome outcome;
        if (cause instanceof OhttpException e) {
            switch (e.reason()) {
                case KEY_CONFIGURATION -> {
                    problem = Problem.OHTTP_KEY;
                    outcome = Outcome.KEY_CONFIGURATION;
                }
                case DECRYPTION_FAILED -> {
                    problem = Problem.DECRYPTION_FAILED;
                    outcome = Outcome.DECRYPTION_FAILED;
                }
                case TOO_LARGE -> {
                    problem = Problem.TOO_LARGE;
                    outcome = Outcome.TOO_LARGE;
                }
                case TRUNCATED -> {
                    problem = Problem.TRUNCATED;
                    outcome = Outcome.TRUNCATED;
                }
                default -> {
                    problem = Problem.MALFORMED;
                    outcome = Outcome.MALFORMED;
                }
            }
        } else if (cause instanceof BoundedBody.TooLarge) {
            problem = Problem.TOO_LARGE;
            outcome = Outcome.TOO_LARGE;
        } else if (dev.cloister.server.PeerReset.is(cause)) {
            // The client reset the stream or closed the connection mid-body: its request is cut short, not failed here.
            problem = Problem.TRUNCATED;
            outcome = Outcome.TRUNCATED;
        } else {
            LOG.warn("gateway request failed internally");
            problem = Problem.INTERNAL;
            outcome = Outcome.INTERNAL;
        }
        metrics.record(kind, outcome, start);
        if (outcome == Outcome.TOO_LARGE || outcome == Outcome.TRUNCATED || !request.isEnded()) {
            // Do not read the rest of a body that is refused: answer and close.
            problem.sendAndClose(request);
        } else if (request.response().headWritten()) {
            request.connection().close();
        } else {
            problem.send(request.response());
        }
    }

    /** The advertised configurations, for tests and the demo. */
    public List<dev.cloister.wire.ohttp.KeyConfig> advertised() {
        return keys.get().advertised(clock.instant());
    }
}
