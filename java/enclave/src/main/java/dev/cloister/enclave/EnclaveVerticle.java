package dev.cloister.enclave;

import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.QueueFullException;
import dev.cloister.protocol.AnswerLine;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.FinishReason;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.SessionPaths;
import dev.cloister.protocol.membership.GatewayAuthorization;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.openai.ModelList;
import dev.cloister.protocol.openai.OpenAiError;
import dev.cloister.protocol.openai.OpenAiPaths;
import dev.cloister.protocol.padding.PaddingMode;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.bhttp.IndeterminateResponseWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's internal endpoint (DESIGN.md, step 6-8): the gateway posts each session's TLS bytes to
 * {@code POST /sessions/{id}} and gets the enclave's TLS bytes back; inside TLS the client sends one Binary HTTP
 * request, {@code POST /v1/summarize} or {@code POST /v1/rewrite}, answered as JSON, or streamed as JSON lines when the
 * request accepts {@code application/jsonl}; or an OpenAI-compatible {@code POST /v1/chat/completions} (streamed as
 * server-sent events when its body says {@code "stream": true}) or {@code GET /v1/models}. The session ends with that answer: TLS is closed, and the prompt, the
 * output, the TLS keys and the KV-cache blocks are zeroed. Sessions also end when idle, on {@code DELETE}, when the
 * gateway's connection drops, and at the deadline. Nothing is written to disk.
 */
public final class EnclaveVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(EnclaveVerticle.class);
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9_-]{22}");
    /** A request to the session endpoint without the gateway's credential (GatewayAuthorization). */
    static final Problem UNAUTHORIZED = new Problem(401, "about:blank", "gateway credential required");

    /** Limits of the enclave endpoint. */
    public record Config(
            ListenAddress listen,
            int maxSessions,
            Duration idle,
            int maxStepBytes,
            AssistantRequest.Limits requestLimits,
            ChatCompletionRequest.Limits chatLimits,
            AnswerPadding padding,
            Optional<GatewayAuthorization> gateway) {
        /**
         * Without a gateway secret the endpoint listens on a private address only (loopback, RFC 1918, IPv6
         * unique-local or link-local): never on a wildcard or public address, where anyone could open sessions.
         */
        public Config {
            java.util.Objects.requireNonNull(gateway, "gateway");
            if (gateway.isEmpty() && !listen.isPrivate()) {
                throw new IllegalArgumentException("the session endpoint listens on " + listen.host()
                        + " only with a gateway secret; without one, name a loopback or private address");
            }
        }

        public static Config defaults(ListenAddress listen) {
            return new Config(
                    listen,
                    256,
                    Duration.ofSeconds(30),
                    1 << 20,
                    AssistantRequest.Limits.DEFAULT,
                    ChatCompletionRequest.Limits.DEFAULT,
                    AnswerPadding.DEFAULT,
                    Optional.empty());
        }

        /**
         * The same limits, sessions ended once idle this long: no request step and no answer in progress (idle time
         * counts from the last step or from the end of the answer).
         */
        public Config withIdle(Duration idle) {
            return new Config(listen, maxSessions, idle, maxStepBytes, requestLimits, chatLimits, padding, gateway);
        }

        /** The same limits, with answers the client asks to have padded padded this way. */
        public Config withPadding(AnswerPadding padding) {
            return new Config(listen, maxSessions, idle, maxStepBytes, requestLimits, chatLimits, padding, gateway);
        }

        /** The same limits, sessions accepted only from a gateway that holds the shared secret. */
        public static Config defaults(ListenAddress listen, GatewayAuthorization gateway) {
            Config loopback = defaults(new ListenAddress("127.0.0.1", 0));
            return new Config(
                    listen,
                    loopback.maxSessions,
                    loopback.idle,
                    loopback.maxStepBytes,
                    loopback.requestLimits,
                    loopback.chatLimits,
                    loopback.padding,
                    Optional.of(gateway));
        }
    }

    private final Config config;
    private final RaTlsServer tls;
    private final Assistant assistant;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, EnclaveSession> sessions = new ConcurrentHashMap<>();
    private final BhttpLimits bhttpLimits = new BhttpLimits(1 << 20, 16 << 10, 64, 1 << 20, 0);
    private Counter answered;
    private final java.util.concurrent.atomic.AtomicLong answeredHere = new java.util.concurrent.atomic.AtomicLong();
    private Counter refused;
    private Counter unauthorized;
    private io.micrometer.core.instrument.Timer firstToken;
    private io.micrometer.core.instrument.DistributionSummary outboxPeak;
    private HttpServer server;
    private final java.security.SecureRandom ids = new java.security.SecureRandom();
    /** When this endpoint started: the {@code created} time of the model it lists. */
    private final Instant started;
    /** Test hook: every session ever opened, to inspect its buffers after the end. */
    private volatile java.util.function.Consumer<EnclaveSession> sessionObserver = s -> {};

    public EnclaveVerticle(Config config, RaTlsServer tls, Assistant assistant, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.tls = tls;
        this.assistant = assistant;
        this.registry = registry;
        this.clock = clock;
        this.started = clock.instant();
    }

    @Override
    public Future<?> start() {
        answered = Counter.builder("cloister.enclave.sessions.answered").register(registry);
        refused = Counter.builder("cloister.enclave.sessions.refused").register(registry);
        unauthorized = Counter.builder("cloister.enclave.requests.unauthorized")
                .description("Requests to the session endpoint without the gateway's credential")
                .register(registry);
        // The enclave's own time to first token: from the chat completion request read inside the session to its
        // first text handed to the session's output (template, tokenizer, queue, prefill, first decode step).
        firstToken = io.micrometer.core.instrument.Timer.builder("cloister.enclave.chat.first_token")
                .description("Chat completions: request read in the enclave to first text sent")
                .register(registry);
        Gauge.builder("cloister.enclave.sessions.open", sessions, Map::size).register(registry);
        // Per answer, the most bytes its outbox held for a reader that fell behind (RecordOutbox): a count of bytes.
        outboxPeak = io.micrometer.core.instrument.DistributionSummary.builder("cloister.enclave.outbox.queued.peak")
                .description("Per answer: the most sealed bytes that waited in the enclave for the connection")
                .baseUnit("bytes")
                .register(registry);
        // Checked four times per idle bound (at most once a second, at least every 10 ms).
        vertx.setPeriodic(Math.clamp(config.idle().toMillis() / 4, 10, 1000), id -> expireIdle());
        return vertx.createHttpServer(new HttpServerOptions()
                        .setIdleTimeout(60)
                        .setMaxInitialLineLength(1024)
                        .setMaxHeaderSize(8192)
                        .setCompressionSupported(false))
                .requestHandler(this::route)
                .listen(config.listen().port(), config.listen().host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("enclave listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }

    public int openSessions() {
        return sessions.size();
    }

    /** Sessions answered by this enclave (the non-targetability test counts them). */
    public long answeredSessions() {
        return answeredHere.get();
    }

    /** Test hook: sees every session this enclave opens, to inspect its buffers after it ends. */
    public void observeSessions(java.util.function.Consumer<EnclaveSession> observer) {
        this.sessionObserver = observer;
    }

    private void route(HttpServerRequest request) {
        String path = request.path();
        if (path.equals("/health")) {
            request.response()
                    .putHeader("content-type", MediaTypes.JSON)
                    .end(new JsonObject()
                            .put("status", "ok")
                            .put("sessions", sessions.size())
                            .encode());
            return;
        }
        if (!path.startsWith(SessionPaths.ENCLAVE_PREFIX)
                || !SESSION.matcher(path.substring(SessionPaths.ENCLAVE_PREFIX.length()))
                        .matches()) {
            Problem.NOT_FOUND.send(request.response());
            return;
        }
        if (config.gateway().isPresent()) {
            // Before the body is read: a request without the gateway's credential costs no more than its headers.
            try {
                config.gateway().get().check(request.method().name(), path, request.getHeader("authorization"));
            } catch (GatewayAuthorization.Refused e) {
                unauthorized.increment();
                if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
                    UNAUTHORIZED.send(request.response()); // HTTP/2 has no "connection: close"; the stream ends
                } else {
                    UNAUTHORIZED.sendAndClose(request);
                }
                return;
            }
        }
        String id = path.substring(10);
        if (request.method() == HttpMethod.DELETE) {
            end(id);
            request.response().setStatusCode(204).end();
        } else if (request.method() == HttpMethod.POST) {
            step(request, id);
        } else {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader("allow", "POST, DELETE"));
        }
    }

    private void step(HttpServerRequest request, String id) {
        Context context = vertx.getOrCreateContext();
        BoundedBody.read(request, config.maxStepBytes()).onComplete(read -> {
            if (read.failed()) {
                Problem.TOO_LARGE.sendAndClose(request);
                return;
            }
            EnclaveSession session = sessions.get(id);
            if (session == null) {
                if (sessions.size() >= config.maxSessions()) {
                    refused.increment();
                    Problem.UNAVAILABLE.send(request.response().putHeader("retry-after", "1"));
                    return;
                }
                session = new EnclaveSession(tls.accept(), clock);
                sessions.put(id, session);
                sessionObserver.accept(session);
            }
            EnclaveSession current = session;
            byte[] bytes = read.result().getBytes();
            // TLS work (and, in a handshake, the hardware report) runs on a worker thread.
            vertx.executeBlocking(() -> current.receive(bytes, clock.instant(), bhttpLimits), false)
                    .onComplete(result -> {
                        if (result.failed()) {
                            refused.increment();
                            byte[] alert = current.closeTls();
                            end(id);
                            // The TLS alert (if any) goes back so the client learns why; nothing else does.
                            request.response()
                                    .setStatusCode(200)
                                    .putHeader("content-type", MediaTypes.CLOISTER_TLS)
                                    .putHeader("cloister-session-closed", "1")
                                    .end(Buffer.buffer(alert));
                            return;
                        }
                        EnclaveSession.Step stepped = result.result();
                        if (stepped.request().isEmpty()) {
                            request.response()
                                    .setStatusCode(200)
                                    .putHeader("content-type", MediaTypes.CLOISTER_TLS)
                                    .end(Buffer.buffer(stepped.outgoing()));
                            return;
                        }
                        answer(request.response(), id, current, stepped, context);
                    });
        });
    }

    /**
     * The session's one request: streamed or whole, then TLS closes and the session is wiped. A refusal is answered in
     * the framing the client asked for (an indeterminate-length BHTTP response when it accepts a stream, a
     * known-length one otherwise), with a problem document whose detail is a fixed text chosen here, never the
     * user's content.
     */
    private void answer(
            HttpServerResponse response, String id, EnclaveSession session, EnclaveSession.Step step, Context context) {
        BinaryRequest inner = step.request().orElseThrow();
        response.setStatusCode(200)
                .putHeader("content-type", MediaTypes.CLOISTER_TLS)
                .putHeader("cloister-session-closed", "1")
                .setChunked(true);
        RecordOutbox[] self = new RecordOutbox[1];
        RecordOutbox records = new RecordOutbox(session, response, context, () -> {
            outboxPeak.record(self[0].peakQueuedBytes());
            end(id);
        });
        self[0] = records;
        records.queueRecords(step.outgoing());
        boolean stream = inner.headers()
                .first("accept")
                .map(a -> a.contains(MediaTypes.JSONL))
                .orElse(false);
        java.util.Optional<PaddingMode> padding;
        try {
            padding = PaddingMode.of(inner.headers().first(PaddingMode.HEADER));
        } catch (PaddingMode.UnknownModeException e) {
            // Answered unpadded: the client asked for no padding this enclave knows.
            if (OpenAiPaths.isOpenAi(inner.path())) {
                refuseWhole(records, OpenAiError.invalid(PaddingMode.HEADER, e.getMessage()));
            } else {
                new Output(records, session, stream).refuse(400, e.getMessage());
            }
            return;
        }
        AnswerChannel outbox = padding.<AnswerChannel>map(mode -> switch (mode) {
                    case FRAMES -> new FramedChannel(vertx, records, session, config.padding());
                    case BUCKET ->
                        new BucketChannel(records, session, config.padding().buckets());
                })
                .orElse(records);
        if (OpenAiPaths.isOpenAi(inner.path())) {
            openAi(response, id, session, inner, outbox);
            return;
        }
        Output output = new Output(outbox, session, stream);
        AssistantRequest parsed;
        try {
            if (!inner.method().equals("POST")) {
                throw new AssistantRequest.Invalid(405, "use cases are POST requests");
            }
            parsed = AssistantRequest.parse(inner.path(), inner.content(), config.requestLimits());
        } catch (AssistantRequest.Invalid e) {
            output.refuse(e.status(), e.getMessage());
            return;
        }
        Assistant.Started started;
        try {
            started = assistant.start(assistant.generate(parsed), clock.instant(), session, output);
        } catch (Assistant.PromptTooLong e) { // not reached: these keep the prompt's end
            output.refuse(413, "the prompt does not fit the model's context");
            return;
        } catch (QueueFullException e) {
            output.refuse(503, "the enclave is at capacity");
            return;
        } catch (RuntimeException e) {
            output.refuse(500, "the answer could not be started");
            return;
        }
        outbox.throttle(started.throttle());
        response.closeHandler(v -> {
            started.cancel().run();
            end(id);
        });
    }

    /**
     * The OpenAI-compatible requests: {@code GET /v1/models} lists the loaded model; {@code POST /v1/chat/completions}
     * runs a chat completion on the same generation path as the use cases, answered in the OpenAI shapes
     * ({@link ChatCompletionOutput}). When the session ends first (the gateway's connection closes because the caller
     * went away, or the session is deleted) the generation is cancelled: the scheduler ends it before its next step
     * and closes its sequence, which zeroes its KV-cache blocks.
     */
    private void openAi(
            HttpServerResponse response, String id, EnclaveSession session, BinaryRequest inner, AnswerChannel outbox) {
        if (inner.path().equals(OpenAiPaths.MODELS)) {
            if (!inner.method().equals("GET")) {
                refuseWhole(outbox, new OpenAiError(405, OpenAiError.INVALID_REQUEST, null, null, "use GET"));
                return;
            }
            byte[] body = new ModelList(
                            List.of(new ModelList.Model(assistant.modelId(), started.getEpochSecond(), "cloister")))
                    .encode();
            answered.increment(); // counted before the answer leaves: a caller that has it sees the count
            answeredHere.incrementAndGet();
            outbox.seal(BinaryResponse.of(200, FieldSection.of("content-type", MediaTypes.JSON), body)
                    .encode());
            outbox.close();
            return;
        }
        if (!inner.method().equals("POST")) {
            refuseWhole(outbox, new OpenAiError(405, OpenAiError.INVALID_REQUEST, null, null, "use POST"));
            return;
        }
        ChatCompletionRequest request;
        try {
            request = ChatCompletionRequest.parse(inner.content(), config.chatLimits());
            if (!request.model().equals(assistant.modelId())) throw OpenAiError.unknownModel();
        } catch (OpenAiError e) {
            refuseWhole(outbox, e);
            return;
        }
        long read = System.nanoTime();
        ChatCompletionOutput output = new ChatCompletionOutput(
                outbox,
                session,
                request.stream(),
                request.stream()
                        && inner.headers()
                                .first("accept")
                                .map(a -> a.contains(OpenAiPaths.CHAT_DELTAS))
                                .orElse(false),
                request.includeUsage(),
                () -> firstToken.record(System.nanoTime() - read, java.util.concurrent.TimeUnit.NANOSECONDS),
                new ChatCompletionOutput.Identity(
                        "chatcmpl-" + completionId(), clock.instant().getEpochSecond(), assistant.modelId()),
                () -> {
                    answered.increment();
                    answeredHere.incrementAndGet();
                });
        Assistant.Started started;
        try {
            started = assistant.start(assistant.generate(request), clock.instant(), session, output);
        } catch (Assistant.PromptTooLong e) {
            output.refuse(OpenAiError.tooLong("messages", "context_length_exceeded", e.getMessage()));
            return;
        } catch (QueueFullException e) {
            output.refuse(OpenAiError.overloaded("the enclave is at capacity"));
            return;
        } catch (dev.cloister.infer.chat.ChatTemplateException e) {
            output.refuse(OpenAiError.invalid("messages", "the model's chat template refuses this conversation"));
            return;
        } catch (RuntimeException e) {
            output.refuse(
                    new OpenAiError(500, OpenAiError.SERVER_ERROR, null, null, "the answer could not be started"));
            return;
        }
        output.accepted();
        outbox.throttle(started.throttle());
        response.closeHandler(v -> {
            started.cancel().run();
            end(id);
        });
    }

    private static void refuseWhole(AnswerChannel outbox, OpenAiError error) {
        outbox.seal(ChatCompletionOutput.whole(error));
        outbox.close();
    }

    /** 24 random characters (144 bits): names one completion, links nothing else. */
    private String completionId() {
        byte[] bytes = new byte[18];
        ids.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Turns the answer into BHTTP and hands it to the session's {@link RecordOutbox} as it is produced (on the
     * scheduler's thread, or on the event loop for a refusal before generation starts). A streamed answer's head is
     * sent with its first line, so a refusal can still choose its own status.
     */
    private final class Output implements Assistant.Answer {
        private final AnswerChannel outbox;
        private final EnclaveSession session;
        private final boolean stream;
        private final IndeterminateResponseWriter bhttp = new IndeterminateResponseWriter();
        private boolean headSent;
        private byte[] collected = new byte[0];
        private int collectedLength;

        Output(AnswerChannel outbox, EnclaveSession session, boolean stream) {
            this.outbox = outbox;
            this.session = session;
            this.stream = stream;
        }

        @Override
        public synchronized void text(byte[] utf8) {
            if (stream) {
                byte[] line = (new AnswerLine.Text(new String(utf8, StandardCharsets.UTF_8)).encode() + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                Arrays.fill(utf8, (byte) 0);
                sendHead();
                byte[] chunk = bhttp.contentChunk(line);
                Arrays.fill(line, (byte) 0);
                outbox.seal(chunk);
            } else {
                if (collectedLength + utf8.length > collected.length) {
                    byte[] bigger = Arrays.copyOf(
                            collected, Math.max(collected.length * 2, collectedLength + utf8.length + 256));
                    Arrays.fill(collected, (byte) 0);
                    collected = bigger;
                    session.keep(collected);
                }
                System.arraycopy(utf8, 0, collected, collectedLength, utf8.length);
                collectedLength += utf8.length;
                Arrays.fill(utf8, (byte) 0);
            }
        }

        @Override
        public synchronized void finished(Completion completion) {
            if (completion.reason() == dev.cloister.infer.sampling.FinishReason.STALLED) {
                outbox.abort(); // the client stopped reading: nothing more can reach it
                return;
            }
            AnswerLine.End done = new AnswerLine.End(
                    FinishReason.valueOf(completion.reason().name()),
                    completion.promptTokens(),
                    completion.generatedTokens());
            answered.increment(); // counted before the answer leaves: a caller that has it sees the count
            answeredHere.incrementAndGet();
            if (stream) {
                sendHead();
                byte[] line = (done.encode() + "\n").getBytes(StandardCharsets.UTF_8);
                outbox.seal(concat(bhttp.contentChunk(line), bhttp.end(FieldSection.EMPTY)));
            } else {
                byte[] body = AnswerLine.encodeWhole(
                                done, new String(collected, 0, collectedLength, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                outbox.seal(BinaryResponse.of(200, FieldSection.of("content-type", MediaTypes.JSON), body)
                        .encode());
                Arrays.fill(body, (byte) 0);
            }
            outbox.close();
        }

        /** Answers a refused request with an RFC 9457 problem document, in the framing the client asked for. */
        synchronized void refuse(int status, String detail) {
            if (headSent) {
                outbox.close(); // not reached: refusals come before generation starts
                return;
            }
            byte[] problem = new JsonObject()
                    .put("type", "about:blank")
                    .put("status", status)
                    .put("detail", detail)
                    .encode()
                    .getBytes(StandardCharsets.UTF_8);
            FieldSection headers = FieldSection.of("content-type", MediaTypes.PROBLEM_JSON);
            outbox.seal(
                    stream
                            ? concat(
                                    bhttp.head(List.of(), status, headers),
                                    bhttp.contentChunk(problem),
                                    bhttp.end(FieldSection.EMPTY))
                            : BinaryResponse.of(status, headers, problem).encode());
            outbox.close();
        }

        private void sendHead() {
            if (headSent) return;
            headSent = true;
            outbox.seal(bhttp.head(List.of(), 200, FieldSection.of("content-type", MediaTypes.JSONL)));
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) length += part.length;
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            Arrays.fill(part, (byte) 0);
            at += part.length;
        }
        return all;
    }

    /** Ends a session: TLS closed, buffers zeroed, the scheduler closes its sequence (KV zeroed) on its side. */
    private void end(String id) {
        EnclaveSession session = sessions.remove(id);
        if (session != null) session.wipe();
    }

    private void expireIdle() {
        Instant cutoff = clock.instant().minus(config.idle());
        // No generation outlives its deadline plus one pause (longer pauses end it as STALLED).
        Instant answerCutoff = cutoff.minus(assistant.longestAnswer());
        sessions.forEach((id, session) -> {
            if (session.idleSince(cutoff, answerCutoff)) end(id);
        });
    }
}
