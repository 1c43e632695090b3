package dev.cloister.client;

import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.protocol.http.ProblemResponse;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.ohttp.ChunkedObliviousRequest;
import dev.cloister.wire.ohttp.ChunkedResponseReader;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.KeyConfigs;
import dev.cloister.wire.ohttp.ObliviousRequest;
import dev.cloister.wire.ohttp.OhttpException;
import dev.cloister.wire.ohttp.OhttpLimits;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The client side of Oblivious HTTP over Vert.x: fetches a gateway's key configurations, and sends Binary HTTP
 * requests through a relay, plain ({@code message/ohttp-req}) or chunked ({@code message/ohttp-chunked-req}, with the
 * response's chunks delivered as they are opened). The relay sees only ciphertext; the gateway only the request.
 */
public final class ObliviousHttpClient implements AutoCloseable {

    private final WebClient web;
    private final HttpClient streaming;
    private final URI relay;
    private final Vertx vertx;
    /** Where streamed exchanges run when the caller is on a worker or virtual-thread context (an event-loop context). */
    private final Context fallbackContext;

    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();
    private final OhttpLimits limits = OhttpLimits.DEFAULT;
    private final BhttpLimits bhttpLimits = BhttpLimits.DEFAULT;
    /** The most a key directory document ({@code application/ohttp-keys}, key proofs) may weigh. */
    static final int MAX_DOCUMENT_BYTES = dev.cloister.ledger.proof.KeyProofs.MAX_DOCUMENT_BYTES;
    /** The most of an error answer's body that is read (a problem document is a few hundred bytes). */
    static final int MAX_PROBLEM_BYTES = 64 << 10;
    /**
     * The gateway refused a key configuration (RFC 9458 §5.2): the next {@link #fetchKeys} asks the key directory to
     * revalidate its copy with the gateway ({@code Cache-Control: no-cache}) instead of serving the one it holds.
     */
    private final java.util.concurrent.atomic.AtomicBoolean keysRefused =
            new java.util.concurrent.atomic.AtomicBoolean();

    public ObliviousHttpClient(Vertx vertx, URI relay, Duration timeout) {
        this.vertx = vertx;
        this.fallbackContext = eventLoopContext(vertx);
        this.relay = Objects.requireNonNull(relay);
        this.timeout = Objects.requireNonNull(timeout);
        this.web = WebClient.create(
                vertx,
                new WebClientOptions()
                        .setUserAgentEnabled(false)
                        .setConnectTimeout((int) timeout.toMillis())
                        .setIdleTimeout((int) Math.max(1, timeout.toSeconds())));
        this.streaming = vertx.createHttpClient(
                new HttpClientOptions()
                        .setConnectTimeout((int) timeout.toMillis())
                        .setIdleTimeout((int) Math.max(1, timeout.toSeconds())),
                new PoolOptions().setHttp1MaxSize(16));
    }

    /**
     * {@code GET} the key configuration list ({@code application/ohttp-keys}) from a key directory. After the gateway
     * refused a key configuration, the request carries {@code Cache-Control: no-cache}, so that a directory whose copy
     * predates the gateway's new keys fetches them first.
     */
    public Future<List<KeyConfig>> fetchKeys(URI keys) {
        boolean revalidate = keysRefused.getAndSet(false);
        return fetchDocument(keys, OhttpMediaTypes.KEYS, revalidate).compose(body -> {
            try {
                List<KeyConfig> configs = KeyConfigs.decode(body);
                if (configs.isEmpty()) {
                    return Future.failedFuture(
                            new OhttpException(OhttpException.Reason.KEY_CONFIGURATION, "no usable key configuration"));
                }
                return Future.succeededFuture(configs);
            } catch (OhttpException e) {
                return Future.failedFuture(e);
            }
        });
    }

    /**
     * {@code GET} the ledger proofs of the key configurations ({@code application/cloister-key-proofs}) from a key
     * directory; the caller checks them with {@link dev.cloister.client.keys.KeyConsistency}.
     */
    public Future<dev.cloister.ledger.proof.KeyProofs> fetchKeyProofs(URI proofs) {
        return fetchDocument(proofs, dev.cloister.ledger.proof.KeyProofs.MEDIA_TYPE, false)
                .compose(body -> {
                    try {
                        return Future.succeededFuture(dev.cloister.ledger.proof.KeyProofs.decode(body));
                    } catch (dev.cloister.ledger.FormatException e) {
                        return Future.failedFuture(e);
                    }
                });
    }

    private Future<byte[]> fetchDocument(URI url, String mediaType, boolean revalidate) {
        var get = web.getAbs(url.toString()).timeout(timeout.toMillis());
        if (revalidate) {
            get.putHeader(HttpHeaders.CACHE_CONTROL.toString(), "no-cache");
        }
        return BoundedResponse.send(get, null, MAX_DOCUMENT_BYTES).compose(response -> {
            if (response.statusCode() != 200) {
                return Future.failedFuture(problem(response.statusCode(), response.body()));
            }
            String type = response.header(HttpHeaders.CONTENT_TYPE.toString());
            if (type == null || !type.startsWith(mediaType)) {
                return Future.failedFuture(new ProblemResponse(
                        response.statusCode(), null, "key directory answered " + type + ", not " + mediaType));
            }
            return Future.succeededFuture(response.body().getBytes());
        });
    }

    /**
     * Sends {@code request} through the relay as one {@code message/ohttp-req}.
     *
     * <p>Fails with {@link OhttpException} of reason {@code KEY_CONFIGURATION} when the gateway answers the RFC 9458
     * §5.2 key-configuration problem (it no longer has that key, e.g. after a restart): fetch the keys again and
     * retry; the request was not decapsulated. Other refusals fail with {@link ProblemResponse}.
     */
    public Future<BinaryResponse> send(KeyConfig config, BinaryRequest request) {
        ObliviousRequest encapsulated;
        try {
            encapsulated = ObliviousRequest.encapsulate(config, preferred(config), request.encode(), random);
        } catch (OhttpException e) {
            return Future.failedFuture(e);
        }
        // An encapsulated response is the BHTTP message plus the nonce and the AEAD tag.
        long limit = (long) bhttpLimits.maxMessageSize() + 64;
        return BoundedResponse.send(
                        web.postAbs(relay.toString())
                                .timeout(timeout.toMillis())
                                .putHeader(HttpHeaders.CONTENT_TYPE.toString(), OhttpMediaTypes.REQUEST),
                        Buffer.buffer(encapsulated.bytes()),
                        limit)
                .compose(response -> openResponse(config, encapsulated, response));
    }

    private Future<BinaryResponse> openResponse(
            KeyConfig config, ObliviousRequest encapsulated, BoundedResponse response) {
        if (response.statusCode() != 200
                || !OhttpMediaTypes.RESPONSE.equals(response.header(HttpHeaders.CONTENT_TYPE.toString()))) {
            return Future.failedFuture(refusal(config, response.statusCode(), response.body()));
        }
        try {
            byte[] plain = encapsulated.openResponse(response.body().getBytes());
            return Future.succeededFuture(BinaryResponse.decode(plain, bhttpLimits));
        } catch (OhttpException | BhttpException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * Sends {@code request} through the relay as a chunked request with chunks of {@code chunkSize} bytes; the
     * response's plaintext chunks are passed to {@code onChunk} as they are opened, and the whole response completes
     * the future. A response stream cut short fails the future (never a shorter response). A refused key
     * configuration fails as in {@link #send}.
     */
    public Future<BinaryResponse> sendChunked(
            KeyConfig config, BinaryRequest request, int chunkSize, Consumer<byte[]> onChunk) {
        return sendChunked(
                config, request, chunkSize, onChunk, Promise.<Void>promise().future());
    }

    /**
     * As {@link #sendChunked(KeyConfig, BinaryRequest, int, Consumer)}; when {@code cancelled} completes, the exchange
     * is reset (the relay, the gateway and the enclave see the connection close and stop) and the future fails with
     * {@link java.util.concurrent.CancellationException}.
     */
    public Future<BinaryResponse> sendChunked(
            KeyConfig config, BinaryRequest request, int chunkSize, Consumer<byte[]> onChunk, Future<Void> cancelled) {
        return sendChunked(config, request, chunkSize, onChunk, cancelled, new ReadControl());
    }

    /**
     * As {@link #sendChunked(KeyConfig, BinaryRequest, int, Consumer, Future)}; {@code reading} pauses and resumes the
     * reading of the response (a consumer of {@code onChunk} that falls behind).
     */
    public Future<BinaryResponse> sendChunked(
            KeyConfig config,
            BinaryRequest request,
            int chunkSize,
            Consumer<byte[]> onChunk,
            Future<Void> cancelled,
            ReadControl reading) {
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive");
        ChunkedObliviousRequest chunked;
        Buffer body = Buffer.buffer();
        try {
            chunked = ChunkedObliviousRequest.start(config, preferred(config), random);
            body.appendBytes(chunked.header());
            byte[] encoded = request.encode();
            int at = 0;
            while (encoded.length - at > chunkSize) {
                body.appendBytes(chunked.sealChunk(Arrays.copyOfRange(encoded, at, at + chunkSize)));
                at += chunkSize;
            }
            body.appendBytes(chunked.sealFinal(Arrays.copyOfRange(encoded, at, encoded.length)));
        } catch (OhttpException e) {
            return Future.failedFuture(e);
        }
        ChunkedResponseReader reader = chunked.responseReader(limits);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(relay.toString())
                .setIdleTimeout(timeout.toMillis())
                .putHeader(HttpHeaders.CONTENT_TYPE, OhttpMediaTypes.CHUNKED_REQUEST)
                .putHeader("Incremental", "?1");
        // The exchange runs on one event-loop context, and the response future is taken before the body is sent, so
        // the response's handlers are set in the same event-loop turn that delivers it: a small response cannot end
        // before they are (which Vert.x answers with IllegalStateException).
        Promise<BinaryResponse> result = Promise.promise();
        Context current = Vertx.currentContext();
        Context context = current == null
                ? vertx.getOrCreateContext() // outside Vert.x: a new event-loop context
                : current.isEventLoopContext() ? current : fallbackContext;
        cancelled.onComplete(
                v -> result.tryFail(new java.util.concurrent.CancellationException("cancelled by the caller")));
        context.runOnContext(v -> streaming
                .request(options)
                .compose(http -> {
                    cancelled.onComplete(c -> http.reset());
                    Future<HttpClientResponse> response = http.response();
                    http.setChunked(true).end(body);
                    return response;
                })
                .compose(response -> {
                    reading.attach(response, context);
                    return readChunked(config, response, reader, onChunk);
                })
                .onComplete(done -> {
                    if (done.succeeded()) result.tryComplete(done.result());
                    else result.tryFail(done.cause());
                }));
        return result.future();
    }

    private Future<BinaryResponse> readChunked(
            KeyConfig config, HttpClientResponse response, ChunkedResponseReader reader, Consumer<byte[]> onChunk) {
        if (response.statusCode() != 200
                || !OhttpMediaTypes.CHUNKED_RESPONSE.equals(response.getHeader(HttpHeaders.CONTENT_TYPE))) {
            return problemBody(response).compose(b -> Future.failedFuture(refusal(config, response.statusCode(), b)));
        }
        Promise<BinaryResponse> done = Promise.promise();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        response.handler(buffer -> {
            try {
                for (byte[] chunk : reader.offer(buffer.getBytes())) {
                    if ((long) plain.size() + chunk.length > bhttpLimits.maxMessageSize()) {
                        throw new BhttpException(
                                BhttpException.Reason.LIMIT_EXCEEDED,
                                "the streamed response exceeds " + bhttpLimits.maxMessageSize() + " bytes");
                    }
                    plain.writeBytes(chunk);
                    onChunk.accept(chunk);
                }
            } catch (OhttpException | BhttpException e) {
                response.handler(null);
                reader.destroy();
                done.tryFail(e);
            }
        });
        response.exceptionHandler(e -> {
            reader.destroy();
            done.tryFail(e);
        });
        response.endHandler(v -> {
            if (done.future().isComplete()) return;
            try {
                byte[] last = reader.finish();
                plain.writeBytes(last);
                if (last.length > 0) onChunk.accept(last);
                done.tryComplete(BinaryResponse.decode(plain.toByteArray(), bhttpLimits));
            } catch (OhttpException | BhttpException e) {
                done.tryFail(e);
            }
        });
        return done.future();
    }

    /**
     * The caller's event-loop context, or a new one: {@code getOrCreateContext} creates an event-loop context when
     * called outside Vert.x, so from a worker or virtual-thread context a plain thread asks for it.
     */
    private static Context eventLoopContext(Vertx vertx) {
        Context current = Vertx.currentContext();
        if (current == null || current.isEventLoopContext()) {
            return vertx.getOrCreateContext();
        }
        java.util.concurrent.atomic.AtomicReference<Context> created =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread plain = Thread.ofPlatform().start(() -> created.set(vertx.getOrCreateContext()));
        try {
            plain.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating an event-loop context", e);
        }
        return created.get();
    }

    /** At most {@link #MAX_PROBLEM_BYTES} of an error answer (the rest is not read); empty when it says more. */
    private static Future<Buffer> problemBody(HttpClientResponse response) {
        String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared == null || !declared.matches("\\d{1,9}") || Integer.parseInt(declared) > MAX_PROBLEM_BYTES) {
            response.request().reset(); // do not read what may not end
            return Future.succeededFuture(Buffer.buffer());
        }
        return response.body();
    }

    /** The client's choice among a configuration's algorithms: AES-128-GCM when offered, else the first. */
    static SymmetricAlgorithm preferred(KeyConfig config) {
        return config.algorithms().stream()
                .filter(a -> a.aead() == dev.cloister.wire.hpke.AeadId.AES_128_GCM)
                .findFirst()
                .orElse(config.algorithms().getFirst());
    }

    /**
     * A refusal outside the encapsulation: the key-configuration problem as {@link OhttpException} (and the next key
     * fetch revalidates), any other as {@link ProblemResponse}.
     */
    private Exception refusal(KeyConfig config, int status, Buffer body) {
        ProblemResponse problem = problem(status, body);
        if (!problem.isKeyConfigurationProblem()) {
            return problem;
        }
        keysRefused.set(true);
        return new OhttpException(
                OhttpException.Reason.KEY_CONFIGURATION,
                "the gateway no longer accepts key " + "configuration " + config.keyId()
                        + " (RFC 9458 §5.2): fetch the keys again",
                problem);
    }

    private static ProblemResponse problem(int status, Buffer body) {
        try {
            JsonObject json = body == null ? null : body.toJsonObject();
            if (json != null) {
                return new ProblemResponse(status, json.getString("type"), json.getString("title"));
            }
        } catch (RuntimeException notJson) {
            // not a problem document: report the status alone
        }
        return new ProblemResponse(status, null, null);
    }

    @Override
    public void close() {
        web.close();
        streaming.close();
    }
}
