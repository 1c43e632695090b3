package dev.cloister.cli.proxy;

import dev.cloister.base.SecretBytes;
import dev.cloister.client.session.ChatCall;
import dev.cloister.client.session.ChatStreamForm;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.openai.OpenAiError;
import dev.cloister.protocol.openai.OpenAiPaths;
import dev.cloister.protocol.openai.ServerSentEvents;
import dev.cloister.server.ListenAddress;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local OpenAI-compatible endpoint on the user's side: {@code POST /v1/chat/completions} and {@code GET /v1/models},
 * each request run as one private session through a shared {@link CloisterClient} (key consistency, a Privacy Pass
 * token, the relay, RA-TLS verified before any data leaves, a request-log entry). A streamed completion is written as
 * server-sent events as the enclave produces them; when the caller disconnects, the session's exchange is reset and the
 * enclave stops generating. A refusal is an OpenAI error object: the enclave's own, or one naming the check that failed
 * (then nothing was sent). All work is asynchronous on the server's event loop; the client's verification runs on
 * worker threads.
 *
 * <p><b>A caller that reads slowly.</b> The proxy never waits on a caller (waiting would hold an event loop); it
 * slows the answer down instead. Once the caller's connection has {@link Config#writeQueueBytes()} of events it has not
 * taken (past the socket's send buffer, whose size is fixed at {@link Config#sendBufferBytes()} so that the kernel's
 * share is bounded too), the proxy pauses the private session's answer ({@link ChatCall#pause()}: it is no longer read
 * from the relay) and resumes it when the connection drains. TCP's flow control carries the pause through the relay
 * and the gateway to the enclave, which stops generating the sequence while its outbox is full, keeps it, and
 * continues where it stopped: the caller gets the whole answer, byte for byte as a fast caller would, and no party
 * holds more than its own bounded buffers. A caller paused longer than the enclave allows (10 s by default) has, in
 * effect, stopped reading: the enclave ends the answer and the stream ends without {@code [DONE]}.
 *
 * <p>As a last bound, each stream counts the bytes of its events written but not yet taken by the connection; when
 * that exceeds {@link Config#maxPendingBytes()} (events that arrived after the pause) the proxy cuts the stream off: it
 * cancels the private session (the enclave frees the sequence) and closes the caller's connection. By default that is
 * 1 MiB, far above the 64 KiB at which the answer pauses.
 */
public final class OpenAiProxy {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiProxy.class);

    /** The most event bytes one stream may have waiting for a caller that reads slowly (default 1 MiB). */
    public static final int DEFAULT_MAX_PENDING_BYTES = 1 << 20;

    /** Each caller connection's socket send buffer, fixed rather than grown by the kernel (default 64 KiB). */
    public static final int DEFAULT_SEND_BUFFER_BYTES = 64 * 1024;

    /** The events waiting in a caller connection's write queue that pause the answer (default 64 KiB). */
    public static final int DEFAULT_WRITE_QUEUE_BYTES = 64 * 1024;

    /**
     * @param apiKeySha256 when present, every request must carry {@code Authorization: Bearer KEY} whose SHA-256 this
     *     is (compared in constant time); required off loopback
     * @param maxPendingBytes the most bytes of one stream's events written to the caller but not yet taken by its
     *     connection; a caller that lets more wait is cut off (see {@link OpenAiProxy})
     * @param sendBufferBytes each caller connection's socket send buffer (the kernel's share of what may wait)
     * @param writeQueueBytes the events waiting in a caller connection's write queue that pause the private session's
     *     answer until the connection drains; a {@code maxPendingBytes} below it cuts a slow caller off before its
     *     answer is ever paused
     * @param upstream the form in which the enclave streams to the proxy (the caller gets OpenAI's chunks either way)
     */
    public record Config(
            ListenAddress listen,
            Optional<SecretBytes> apiKeySha256,
            ChatCompletionRequest.Limits limits,
            int maxPendingBytes,
            int sendBufferBytes,
            int writeQueueBytes,
            ChatStreamForm upstream) {
        public Config {
            if (apiKeySha256.isEmpty() && !isLoopback(listen.host())) {
                throw new IllegalArgumentException(
                        "listening on " + listen + " (not loopback) needs an API key (--api-key-file)");
            }
            if (maxPendingBytes < 1024) throw new IllegalArgumentException("maxPendingBytes must be at least 1024");
            if (sendBufferBytes < 1024) throw new IllegalArgumentException("sendBufferBytes must be at least 1024");
            if (writeQueueBytes < 1024) throw new IllegalArgumentException("writeQueueBytes must be at least 1024");
            java.util.Objects.requireNonNull(upstream, "upstream");
        }

        public Config(ListenAddress listen, Optional<SecretBytes> apiKeySha256, ChatCompletionRequest.Limits limits) {
            this(
                    listen,
                    apiKeySha256,
                    limits,
                    DEFAULT_MAX_PENDING_BYTES,
                    DEFAULT_SEND_BUFFER_BYTES,
                    DEFAULT_WRITE_QUEUE_BYTES,
                    ChatStreamForm.COMPACT);
        }

        public static Config loopback(int port) {
            return new Config(
                    new ListenAddress("127.0.0.1", port), Optional.empty(), ChatCompletionRequest.Limits.DEFAULT);
        }

        /** What may wait for one slow caller: {@code pending} bytes of events, and a socket buffer of {@code socket}. */
        public Config withSlowReaderBounds(int pending, int socket) {
            return new Config(listen, apiKeySha256, limits, pending, socket, writeQueueBytes, upstream);
        }

        /** The same, the answer paused once {@code bytes} of events wait in a caller's write queue. */
        public Config withWriteQueue(int bytes) {
            return new Config(listen, apiKeySha256, limits, maxPendingBytes, sendBufferBytes, bytes, upstream);
        }

        /** The same, the enclave asked to stream in {@code form}. */
        public Config withUpstream(ChatStreamForm form) {
            return new Config(listen, apiKeySha256, limits, maxPendingBytes, sendBufferBytes, writeQueueBytes, form);
        }
    }

    private final CloisterClient client;
    private final Config config;
    private final HttpServer server;
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong slowReadersCut = new AtomicLong();
    private final AtomicLong answersPaused = new AtomicLong();

    private OpenAiProxy(CloisterClient client, Config config, HttpServer server) {
        this.client = client;
        this.config = config;
        this.server = server;
    }

    /** Starts serving; the caller keeps (and closes) {@code client}. */
    public static Future<OpenAiProxy> start(Vertx vertx, CloisterClient client, Config config) {
        Router router = Router.router(vertx);
        OpenAiProxy[] self = new OpenAiProxy[1];
        config.apiKeySha256().ifPresent(key -> router.route().handler(ctx -> authenticate(ctx, key)));
        router.post(OpenAiPaths.CHAT_COMPLETIONS)
                .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes()))
                .handler(ctx -> self[0].chat(ctx));
        router.get(OpenAiPaths.MODELS).handler(ctx -> self[0].models(ctx));
        router.route(OpenAiPaths.CHAT_COMPLETIONS).handler(ctx -> send(ctx.response(), methodNotAllowed("POST")));
        router.route(OpenAiPaths.MODELS).handler(ctx -> send(ctx.response(), methodNotAllowed("GET")));
        router.route()
                .last()
                .handler(ctx -> send(
                        ctx.response(),
                        new OpenAiError(404, OpenAiError.NOT_FOUND, null, "unknown_url", "unknown path")));
        router.route().failureHandler(ctx -> {
            int status = ctx.statusCode();
            send(
                    ctx.response(),
                    status == 413
                            ? OpenAiError.tooLong(
                                    null,
                                    "request_too_large",
                                    "request body exceeds " + config.limits().maxBodyBytes() + " bytes")
                            : status >= 400 && status < 500
                                    ? OpenAiError.invalid(null, "the request could not be read")
                                    : new OpenAiError(500, OpenAiError.SERVER_ERROR, null, null, "the proxy failed"));
        });
        return vertx.createHttpServer(new HttpServerOptions()
                        .setIdleTimeout(300)
                        .setMaxInitialLineLength(4096)
                        .setMaxHeaderSize(16 * 1024)
                        .setSendBufferSize(config.sendBufferBytes())
                        .setCompressionSupported(false))
                .requestHandler(router)
                .listen(config.listen().port(), config.listen().host())
                .map(server -> {
                    self[0] = new OpenAiProxy(client, config, server);
                    return self[0];
                });
    }

    public int port() {
        return server.actualPort();
    }

    /** The base URL an OpenAI client is given ({@code http://HOST:PORT/v1}). */
    public String baseUrl() {
        String host = config.listen().host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/v1";
    }

    /** Streams in flight now. */
    public long openStreams() {
        return streams.get();
    }

    /** Streams cut off because their caller let more than {@link Config#maxPendingBytes()} wait. */
    public long slowReadersCut() {
        return slowReadersCut.get();
    }

    /** How often a stream's answer was paused because its caller's write queue was full. */
    public long answersPaused() {
        return answersPaused.get();
    }

    public Future<Void> close() {
        return server.close();
    }

    private static void authenticate(RoutingContext ctx, SecretBytes expected) {
        String header = ctx.request().getHeader("authorization");
        byte[] offered = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? sha256(header.substring(7).strip().getBytes(StandardCharsets.UTF_8))
                : new byte[32];
        // Both sides are SHA-256 digests: the comparison takes the same time whatever the key's length or content.
        if (header == null || !SecretBytes.takeFrom(offered).equals(expected)) {
            ctx.response().putHeader("www-authenticate", "Bearer");
            send(
                    ctx.response(),
                    new OpenAiError(
                            401, OpenAiError.AUTHENTICATION, null, "invalid_api_key", "a valid API key is required"));
            return;
        }
        ctx.next();
    }

    private void chat(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        ChatCompletionRequest request;
        try {
            request = ChatCompletionRequest.parse(ctx.body().buffer().getBytes(), config.limits());
        } catch (OpenAiError e) {
            send(response, e);
            return;
        }
        Stream stream = new Stream(response, config, slowReadersCut, answersPaused);
        ChatCall call = client.chat(
                request,
                request.stream()
                        ? chunk -> {
                            String data = chunk.encode();
                            context.runOnContext(v -> stream.event(data));
                        }
                        : null,
                config.upstream());
        stream.call = call;
        response.closeHandler(v -> call.cancel());
        // A caller already gone before the handler was set (its close came first) gets no close event: cancel now,
        // so the session is reset and the enclave's slot freed rather than generating for nobody.
        if (response.closed()) call.cancel();
        streams.incrementAndGet();
        call.answer()
                .onComplete(done -> context.runOnContext(v -> {
                    streams.decrementAndGet();
                    if (done.succeeded()) {
                        if (request.stream()) {
                            stream.end();
                        } else {
                            byte[] body = done.result().completion().encode();
                            if (!response.closed()) {
                                response.putHeader("content-type", MediaTypes.JSON)
                                        .end(Buffer.buffer(body));
                            }
                        }
                    } else if (!call.isCancelled()) {
                        stream.fail(error(done.cause()));
                    }
                }));
    }

    private void models(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        client.models().onComplete(done -> {
            if (response.closed()) return;
            if (done.succeeded()) {
                response.putHeader("content-type", MediaTypes.JSON)
                        .end(done.result().toJson().encode());
            } else {
                send(response, error(done.cause()));
            }
        });
    }

    /** One streamed answer's server-sent events; the head goes out with the first event. On the event loop only. */
    private static final class Stream {
        private final HttpServerResponse response;
        private final int maxPendingBytes;
        private final int writeQueueBytes;
        private final AtomicLong cutCount;
        private final AtomicLong pauseCount;
        private ChatCall call;
        private boolean started;
        private boolean cut;
        /** The answer is paused until the caller's connection drains. */
        private boolean paused;
        /** Bytes written to the caller's connection that it has not taken yet. */
        private long pending;

        Stream(HttpServerResponse response, Config config, AtomicLong cutCount, AtomicLong pauseCount) {
            this.response = response;
            this.maxPendingBytes = config.maxPendingBytes();
            this.writeQueueBytes = config.writeQueueBytes();
            this.cutCount = cutCount;
            this.pauseCount = pauseCount;
        }

        void event(String data) {
            if (cut || response.closed() || response.ended()) return;
            if (!started) {
                started = true;
                response.setStatusCode(200)
                        .setChunked(true)
                        .putHeader("content-type", OpenAiPaths.EVENT_STREAM)
                        .putHeader("cache-control", "no-cache")
                        .putHeader("x-accel-buffering", "no")
                        .setWriteQueueMaxSize(writeQueueBytes)
                        .drainHandler(v -> {
                            if (!paused) return;
                            paused = false;
                            if (call != null) call.resume();
                        });
            }
            byte[] event = ServerSentEvents.event(data);
            if (pending + event.length > maxPendingBytes) {
                cutOff();
                return;
            }
            pending += event.length;
            response.write(Buffer.buffer(event)).onComplete(written -> pending -= event.length);
            if (!paused && call != null && response.writeQueueFull()) {
                // The caller reads more slowly than the answer comes: stop reading it until the connection drains.
                paused = true;
                pauseCount.incrementAndGet();
                call.pause();
            }
        }

        /** The caller lets too much wait: stop the private session and close its connection. */
        private void cutOff() {
            cut = true;
            cutCount.incrementAndGet();
            if (call != null) call.cancel();
            response.reset();
        }

        void end() {
            event(ServerSentEvents.DONE);
            if (cut) return;
            if (!response.closed() && !response.ended()) response.end();
        }

        /** Before the first event: an error answer; after it: an error event, and the stream ends without [DONE]. */
        void fail(OpenAiError error) {
            if (cut || response.closed() || response.ended()) return;
            if (!started) {
                send(response, error);
            } else {
                response.end(Buffer.buffer(ServerSentEvents.event(error.toJson().encode())));
            }
        }
    }

    /**
     * A failed private session as an OpenAI error: the enclave's own refusal as it is; a failed check (key
     * consistency, ledger, token, attestation) as 403 naming the check, nothing having been sent; an unavailable
     * enclave or gateway as 503 with {@code Retry-After}; an unreachable relay as 502.
     */
    static OpenAiError error(Throwable failure) {
        if (!(failure instanceof SessionFailure f)) {
            return new OpenAiError(502, OpenAiError.SERVER_ERROR, null, "transport", "the private session failed");
        }
        if (f.getCause() instanceof OpenAiError enclave) return enclave;
        String check = f.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
        String reason = shown(f.getMessage());
        return switch (f.kind()) {
            case KEY_CONSISTENCY, LEDGER, TOKEN, ATTESTATION ->
                new OpenAiError(
                        403,
                        OpenAiError.VERIFICATION,
                        null,
                        check,
                        "the " + check + " check failed, nothing was sent: " + reason);
            case REQUEST -> new OpenAiError(400, OpenAiError.INVALID_REQUEST, null, null, reason);
            case ENCLAVE, TRANSPORT ->
                f.retryable()
                        ? OpenAiError.overloaded("the private session could not be completed: " + reason)
                        : new OpenAiError(
                                502, OpenAiError.SERVER_ERROR, null, check, "the private session failed: " + reason);
        };
    }

    private static String shown(String message) {
        if (message == null) return "no reason given";
        StringBuilder out = new StringBuilder();
        message.codePoints().limit(500).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }

    private static OpenAiError methodNotAllowed(String allowed) {
        return new OpenAiError(405, OpenAiError.INVALID_REQUEST, null, "method_not_allowed", "use " + allowed);
    }

    static void send(HttpServerResponse response, OpenAiError error) {
        if (response.closed() || response.ended() || response.headWritten()) return;
        response.setStatusCode(error.status()).putHeader("content-type", MediaTypes.JSON);
        if (error.retryable()) response.putHeader("retry-after", "1");
        response.end(Buffer.buffer(error.encode()));
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** Whether {@code host} names only this machine (a literal loopback address or {@code localhost}). */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) return true;
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) return false; // a name: not trusted to stay loopback
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "OpenAiProxy[" + config.listen() + ", streams=" + streams.get() + "]";
    }
}
