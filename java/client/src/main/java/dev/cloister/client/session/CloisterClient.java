package dev.cloister.client.session;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.ReadControl;
import dev.cloister.client.keys.KeyConsistency;
import dev.cloister.client.log.RequestLog;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.FinishReason;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.SessionPaths;
import dev.cloister.protocol.Style;
import dev.cloister.protocol.Tone;
import dev.cloister.protocol.UseCase;
import dev.cloister.protocol.http.ProblemResponse;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.openai.ModelList;
import dev.cloister.protocol.openai.OpenAiError;
import dev.cloister.protocol.openai.OpenAiPaths;
import dev.cloister.protocol.padding.AnswerFrames;
import dev.cloister.protocol.padding.PaddingMode;
import dev.cloister.protocol.padding.SizeBuckets;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The client SDK: one private request, end to end (DESIGN.md, steps 1-9). For each request it
 * <ol>
 *   <li>fetches the gateway's key configurations and their ledger proofs from the key directory and keeps only keys
 *       the ledger vouches for ({@link KeyConsistency});</li>
 *   <li>takes a Privacy Pass token from its wallet (fetching a batch from the issuer when empty);</li>
 *   <li>opens an RA-TLS session through the relay and the gateway ({@code POST /v1/sessions}, the ClientHello inside
 *       OHTTP with the token) and verifies the enclave's evidence, bound to its own client random, before the
 *       handshake completes;</li>
 *   <li>only then sends the request ({@code POST /v1/sessions/{handle}}, chunked OHTTP), and reads the answer as it
 *       streams;</li>
 *   <li>appends an entry to the request log: what was shared, with whom, what was verified, and the outcome.</li>
 * </ol>
 * A failure of a verification step aborts before any user data leaves the device and is never retried; an enclave
 * that disappears, or an overloaded gateway, is retried on a fresh session (with a fresh token) up to
 * {@code retries} times, after the wait the gateway's 503 asked for in {@code Retry-After} (at most 10 s). A request the client can tell the enclave would refuse ({@link AssistantRequest#check}) is refused
 * before a token is spent; a refusal by the enclave (4xx) or a too-large answer from the relay or gateway (413) is
 * reported with its reason and never retried.
 */
public final class CloisterClient implements AutoCloseable {

    /** A chat message as the app holds it. */
    public record Message(String id, String sender, Instant time, String text) {}

    /** The answer: the generated text and why generation stopped. */
    public record Answer(
            String text, FinishReason finish, int promptTokens, int generatedTokens, RequestLogEntry logEntry) {}

    private final ClientConfig config;
    private final ObliviousHttpClient ohttp;
    private final WebClient web;
    private final TokenWallet wallet;
    private final VerifiedKeys keys;
    private final RequestLog log;

    /** A client with this configuration: its own connections, token wallet and cache of verified keys. */
    public CloisterClient(ClientConfig b) {
        this.config = b;
        dev.cloister.client.keys.LedgerView ledger = dev.cloister.client.keys.LedgerView.of(
                b.log(),
                b.witnesses(),
                b.checkpoints(),
                new dev.cloister.ledger.tiles.TileReader(
                        new dev.cloister.ledger.tiles.HttpTileSource(b.ledgerTiles(), b.timeout())));
        this.ohttp = new ObliviousHttpClient(b.vertx(), b.relay(), b.timeout());
        this.web = WebClient.create(
                b.vertx(), new WebClientOptions().setUserAgentEnabled(false).setConnectTimeout((int)
                                b.timeout().toMillis()));
        this.wallet = new TokenWallet(
                b.vertx(),
                web,
                b.issuer(),
                b.account(),
                b.challenge(),
                b.tokenBatch(),
                b.timeout(),
                new dev.cloister.client.keys.IssuerKeyConsistency(ledger),
                b.clock(),
                b.random(),
                Optional.ofNullable(b.tokenStore()),
                new TokenWallet.Refill(Math.max(1, b.tokenBatch() / 4), b.tokenRefillDelay()));
        this.keys = new VerifiedKeys(b, ohttp, ledger);
        this.log = b.requestLog();
    }

    public static Builder builder(Vertx vertx) {
        return new Builder(vertx);
    }

    public RequestLog requestLog() {
        return log;
    }

    /** This client's configuration (a second client built from it shares nothing else). */
    public ClientConfig config() {
        return config;
    }

    /** Fetches a batch of tokens now, so that the first request does not wait for the issuer. */
    public Future<Void> prefetchTokens() {
        return wallet.prefetch();
    }

    public Future<Answer> summarize(List<Message> messages, String style) {
        return summarize(messages, style, null);
    }

    /** Summarizes {@code messages}; with {@code onText} the answer streams to it as it is generated. */
    public Future<Answer> summarize(List<Message> messages, String style, Consumer<String> onText) {
        AssistantRequest request;
        try {
            if (messages == null) {
                throw new AssistantRequest.Invalid(400, "messages must be a non-empty array");
            }
            List<AssistantRequest.ChatMessage> chat = new ArrayList<>(messages.size());
            for (Message m : messages) {
                chat.add(m == null ? null : new AssistantRequest.ChatMessage(m.id(), m.sender(), m.time(), m.text()));
            }
            request = new AssistantRequest.Summarize(chat, Style.parse(style));
        } catch (AssistantRequest.Invalid e) {
            return notSent(UseCase.SUMMARIZE.wireName(), e.getMessage());
        }
        long bytes = 0;
        List<String> ids = new ArrayList<>();
        for (Message m : messages) {
            bytes += m == null || m.text() == null ? 0 : m.text().getBytes(StandardCharsets.UTF_8).length;
            ids.add(m == null ? null : m.id());
        }
        return run(request, new RequestLogEntry.Shared(messages.size(), bytes, ids), onText);
    }

    public Future<Answer> rewrite(String draft, String tone) {
        return rewrite(draft, tone, null);
    }

    public Future<Answer> rewrite(String draft, String tone, Consumer<String> onText) {
        AssistantRequest request;
        try {
            request = new AssistantRequest.Rewrite(draft, Tone.parse(tone));
        } catch (AssistantRequest.Invalid e) {
            return notSent(UseCase.REWRITE.wireName(), e.getMessage());
        }
        return run(
                request,
                new RequestLogEntry.Shared(
                        1, draft == null ? 0 : draft.getBytes(StandardCharsets.UTF_8).length, List.of()),
                onText);
    }

    /**
     * Sends a request the enclave will accept, or refuses it here, before a token is spent, by the rules the enclave
     * applies ({@link AssistantRequest#check}).
     */
    private Future<Answer> run(AssistantRequest request, RequestLogEntry.Shared shared, Consumer<String> onText) {
        UseCase useCase = request.useCase();
        byte[] body;
        try {
            request.check(config.requestLimits());
            body = request.encode();
            AssistantRequest.checkSize(body.length, config.requestLimits());
        } catch (AssistantRequest.Invalid e) {
            return notSent(useCase.wireName(), e.getMessage());
        }
        Inner<Answer> inner = new Inner<>(
                "POST",
                useCase.path(),
                onText != null ? MediaTypes.JSONL : MediaTypes.JSON,
                body,
                attempt -> {
                    AnswerReader.JsonLines lines = new AnswerReader.JsonLines(onText, attempt);
                    return new Reading<>(lines, lines::answer);
                },
                Promise.<Void>promise().future());
        return send(useCase.wireName(), shared, inner, Answer::logEntry);
    }

    /**
     * A chat completion through the private session, with every check of {@link #summarize} (key consistency, a
     * Privacy Pass token, RA-TLS verified before the request leaves, a request-log entry). A streamed request
     * ({@link ChatCompletionRequest#stream()}) passes each {@code chat.completion.chunk} to {@code onChunk} as it is
     * read (on an event loop: it must not block); the returned call's answer joins them. A request the enclave would
     * refuse by its form is refused here before a token is spent; the enclave's own refusals (unknown model, a prompt
     * too long for its context) fail with a {@link SessionFailure} whose cause is the enclave's
     * {@link OpenAiError}.
     */
    public ChatCall chat(ChatCompletionRequest request, Consumer<ChatCompletionChunk> onChunk) {
        return chat(request, onChunk, ChatStreamForm.COMPACT);
    }

    /**
     * As {@link #chat(ChatCompletionRequest, Consumer)}, a streamed answer asked for in {@code form} (the chunks the
     * caller gets are the same; {@link ChatStreamForm#EVENT_STREAM} costs more bytes, so more padded frames).
     */
    public ChatCall chat(ChatCompletionRequest request, Consumer<ChatCompletionChunk> onChunk, ChatStreamForm form) {
        Objects.requireNonNull(form, "form");
        Promise<Void> cancelled = Promise.promise();
        ReadControl reading = new ReadControl();
        long bytes = 0;
        for (ChatCompletionRequest.Message m : request.messages()) {
            bytes += m.content().getBytes(StandardCharsets.UTF_8).length;
        }
        RequestLogEntry.Shared shared =
                new RequestLogEntry.Shared(request.messages().size(), bytes, List.of());
        byte[] body;
        try {
            request.check(config.chatLimits());
            body = request.encode();
            if (body.length > config.chatLimits().maxBodyBytes()) {
                throw OpenAiError.tooLong(
                        null,
                        "request_too_large",
                        "request body of " + body.length + " bytes exceeds "
                                + config.chatLimits().maxBodyBytes());
            }
        } catch (OpenAiError e) {
            return new ChatCall(cancelled, notSent(CHAT, e.getMessage(), e), new ReadControl());
        }
        Inner<ChatAnswer> inner = new Inner<>(
                "POST",
                OpenAiPaths.CHAT_COMPLETIONS,
                // Streamed in the compact form (ChatDelta): fewer bytes, so fewer padded frames; the caller still
                // gets the OpenAI chunks.
                request.stream() ? form.accept() : MediaTypes.JSON,
                body,
                attempt -> {
                    ChatContent.Completion content = new ChatContent.Completion(
                            onChunk, attempt, () -> cancelled.future().isComplete(), form);
                    return new Reading<>(content, content::answer);
                },
                cancelled.future(),
                reading);
        return new ChatCall(cancelled, send(CHAT, shared, inner, ChatAnswer::logEntry), reading);
    }

    /** The models the enclaves serve ({@code GET /v1/models}), through a private session of its own. */
    public Future<ModelList> models() {
        Inner<ModelList> inner = new Inner<>(
                "GET",
                OpenAiPaths.MODELS,
                MediaTypes.JSON,
                new byte[0],
                attempt -> {
                    ChatContent.Models content = new ChatContent.Models();
                    return new Reading<>(content, content::models);
                },
                Promise.<Void>promise().future());
        return send("models", new RequestLogEntry.Shared(0, 0, List.of()), inner, models -> null);
    }

    private static final String CHAT = "chat";

    /**
     * One request inside the session: what is sent, and how its answer is read (a fresh reader per attempt).
     *
     * @param cancelled completes when the caller gives up: the exchange is reset and no retry follows
     * @param reading pauses and resumes the reading of the answer (a consumer that falls behind)
     */
    // byte[] body: the user's plaintext request, handed as is to the TLS session of each attempt (no copy)
    private record Inner<T>(
            String method,
            String path,
            String accept,
            byte[] body,
            java.util.function.Function<RequestAttempt, Reading<T>> reader,
            Future<Void> cancelled,
            ReadControl reading) {

        Inner(
                String method,
                String path,
                String accept,
                byte[] body,
                java.util.function.Function<RequestAttempt, Reading<T>> reader,
                Future<Void> cancelled) {
            this(method, path, accept, body, reader, cancelled, new ReadControl());
        }
    }

    /** The answer's content reader and what it yields once the answer was read in full. */
    private record Reading<T>(AnswerReader.Content content, java.util.function.Supplier<T> result) {}

    /** Runs the request with retries and logs its outcome (the entry of a success is {@code entryOf} the answer). */
    private <T> Future<T> send(
            String useCase,
            RequestLogEntry.Shared shared,
            Inner<T> inner,
            java.util.function.Function<T, RequestLogEntry> entryOf) {
        RequestAttempt attempt = new RequestAttempt(
                useCase, shared, config.clock().instant(), config.relay().toString());
        return attempt(attempt, inner, config.retries())
                .onComplete(done -> Arrays.fill(inner.body(), (byte) 0))
                .onSuccess(answer -> {
                    RequestLogEntry entry = entryOf.apply(answer);
                    log.append(entry != null ? entry : attempt.entry(RequestLogEntry.Outcome.OK));
                })
                .recover(e -> {
                    SessionFailure failure = e instanceof SessionFailure f
                            ? f
                            : e instanceof java.util.concurrent.CancellationException
                                    ? new SessionFailure(
                                            SessionFailure.Kind.REQUEST, false, "cancelled by the caller", e)
                                    : new SessionFailure(SessionFailure.Kind.TRANSPORT, e.getMessage(), e);
                    log.append(attempt.entry(RequestLogEntry.Outcome.failed(
                            failure.kind().name().toLowerCase().replace('_', '-'), failure.getMessage())));
                    return Future.failedFuture(failure);
                });
    }

    /** A request refused before anything was sent (no token spent): logged as such, nothing shared. */
    private <T> Future<T> notSent(String useCase, String reason) {
        return notSent(useCase, reason, null);
    }

    private <T> Future<T> notSent(String useCase, String reason, Throwable cause) {
        SessionFailure failure =
                new SessionFailure(SessionFailure.Kind.REQUEST, "not sent (no token spent): " + reason, cause);
        RequestAttempt attempt = new RequestAttempt(
                useCase,
                new RequestLogEntry.Shared(0, 0, List.of()),
                config.clock().instant(),
                config.relay().toString());
        log.append(attempt.entry(RequestLogEntry.Outcome.failed("request", failure.getMessage())));
        return Future.failedFuture(failure);
    }

    private <T> Future<T> attempt(RequestAttempt attempt, Inner<T> inner, int retries) {
        return once(attempt, inner).recover(e -> {
            if (!(e instanceof SessionFailure f && f.kind() == SessionFailure.Kind.TOKEN)) {
                keys.forget();
            }
            if (e instanceof SessionFailure f
                    && f.retryable()
                    && retries > 0
                    && !attempt.textDelivered
                    && !inner.cancelled().isComplete()) {
                // The gateway's Retry-After (a store or the pool briefly unavailable): an immediate retry would
                // meet the same condition.
                long wait = f.retryAfter().map(Duration::toMillis).orElse(0L);
                if (wait <= 0) return attempt(attempt, inner, retries - 1);
                return config.vertx().timer(wait).compose(v -> attempt(attempt, inner, retries - 1));
            }
            return Future.failedFuture(e);
        });
    }

    private <T> Future<T> once(RequestAttempt attempt, Inner<T> inner) {
        if (inner.cancelled().isComplete()) {
            return Future.failedFuture(new java.util.concurrent.CancellationException("cancelled by the caller"));
        }
        return keys.current(attempt)
                .compose(v -> wallet.take().compose(token -> {
                    attempt.token = wallet.describe(token);
                    return handshake(attempt, v.key(), v.tls(), token);
                }))
                .compose(session -> exchange(attempt, session, inner));
    }

    /** Forgets the verified keys and releases (the next request fetches and verifies them again). */
    public void forgetVerifiedKeys() {
        keys.forget();
    }

    private record Opened(RaTlsConnection tls, String handle, KeyConsistency.ConsistentKey key) {}

    /** Steps 3-7: ClientHello with the token; the enclave's flight; verification before anything else is sent. */
    private Future<Opened> handshake(
            RequestAttempt attempt, KeyConsistency.ConsistentKey key, RaTlsClient tls, Token token) {
        RaTlsConnection connection;
        try {
            connection = tls.connect();
        } catch (RaTlsException e) {
            return Future.failedFuture(new SessionFailure(SessionFailure.Kind.ATTESTATION, e.getMessage(), e));
        }
        BinaryRequest open = BinaryRequest.of(
                "POST",
                "https",
                config.gatewayAuthority(),
                SessionPaths.OPEN,
                FieldSection.of(
                        "authorization",
                        PrivateTokenCredentials.format(token),
                        "content-type",
                        MediaTypes.CLOISTER_TLS),
                connection.takeOutgoing());
        return ohttp.send(key.config(), open)
                .recover(e -> Future.failedFuture(transport(e)))
                .compose(answer -> {
                    if (answer.status() == 401) {
                        connection.close();
                        return Future.failedFuture(new SessionFailure(
                                SessionFailure.Kind.TOKEN,
                                "the gateway refused the token: " + problemDetail(answer),
                                null));
                    }
                    if (answer.status() != 201) {
                        connection.close();
                        return Future.failedFuture(new SessionFailure(
                                SessionFailure.Kind.ENCLAVE,
                                answer.status() >= 500,
                                "the gateway answered " + answer.status() + ": " + problemDetail(answer),
                                null,
                                RetryAfter.of(answer.headers(), config.clock().instant())));
                    }
                    Optional<String> handle = answer.headers().first("session");
                    // Verifying the evidence (certificate chains, report signatures) is CPU work: a worker thread, not
                    // the
                    // event loop.
                    return config.vertx()
                            .executeBlocking(
                                    () -> {
                                        connection.receive(answer.content());
                                        return connection;
                                    },
                                    false)
                            .transform(received -> {
                                if (received.failed()) {
                                    connection.close();
                                    if (!(received.cause() instanceof RaTlsException e)) {
                                        return Future.failedFuture(new SessionFailure(
                                                SessionFailure.Kind.ENCLAVE,
                                                "while verifying the enclave: "
                                                        + received.cause().getMessage(),
                                                received.cause()));
                                    }
                                    boolean attestationFailure = e.reason() != RaTlsException.Reason.PROTOCOL
                                            && e.reason() != RaTlsException.Reason.CLOSED
                                            && e.reason() != RaTlsException.Reason.TIMEOUT;
                                    return Future.failedFuture(new SessionFailure(
                                            attestationFailure
                                                    ? SessionFailure.Kind.ATTESTATION
                                                    : SessionFailure.Kind.ENCLAVE,
                                            !attestationFailure,
                                            "while verifying the enclave: " + e.getMessage(),
                                            e));
                                }
                                if (!connection.isHandshakeComplete()
                                        || connection.peer().isEmpty()
                                        || handle.isEmpty()) {
                                    connection.close();
                                    return Future.failedFuture(new SessionFailure(
                                            SessionFailure.Kind.ENCLAVE,
                                            "the enclave's first flight did not complete an attested handshake",
                                            null));
                                }
                                attempt.enclave = connection.peer().get();
                                attempt.tls = new RequestLogEntry.Tls(
                                        "TLSv1.3",
                                        connection.cipherSuite().orElse(null),
                                        connection.keyExchange().orElse(null));
                                return Future.succeededFuture(new Opened(connection, handle.get(), key));
                            });
                });
    }

    /** Step 8-9: the request inside TLS; the answer streams back through chunked OHTTP. */
    private <T> Future<T> exchange(RequestAttempt attempt, Opened session, Inner<T> inner) {
        byte[] json = inner.body().clone();
        boolean streamed = inner.accept().equals(MediaTypes.JSONL)
                || inner.accept().equals(OpenAiPaths.CHAT_DELTAS)
                || inner.accept().equals(OpenAiPaths.EVENT_STREAM);
        java.util.Optional<PaddingMode> padding =
                config.padding().map(buckets -> streamed ? PaddingMode.FRAMES : PaddingMode.BUCKET);
        List<String> headers = new java.util.ArrayList<>();
        if (json.length > 0) headers.addAll(List.of("content-type", MediaTypes.JSON));
        headers.addAll(List.of("accept", inner.accept()));
        padding.ifPresent(mode -> headers.addAll(List.of(PaddingMode.HEADER, mode.wireName())));
        BinaryRequest request = BinaryRequest.of(
                inner.method(),
                "https",
                "enclave.cloister.invalid",
                inner.path(),
                FieldSection.of(headers.toArray(String[]::new)),
                json);
        byte[] flight;
        try {
            byte[] encoded = request.encode();
            if (config.padding().isPresent()) {
                // RFC 9292 §3.8: zero bytes after the message, up to its size bucket.
                Arrays.fill(encoded, (byte) 0);
                encoded = request.withPadding(config.padding().get().padding(encoded.length))
                        .encode();
            }
            session.tls().send(encoded);
            Arrays.fill(encoded, (byte) 0);
            Arrays.fill(json, (byte) 0);
            flight = session.tls().takeOutgoing();
        } catch (RaTlsException e) {
            session.tls().close();
            return Future.failedFuture(new SessionFailure(SessionFailure.Kind.ENCLAVE, e.getMessage(), e));
        }
        BinaryRequest step = BinaryRequest.of(
                "POST",
                "https",
                config.gatewayAuthority(),
                SessionPaths.step(session.handle()),
                FieldSection.of("content-type", MediaTypes.CLOISTER_TLS),
                flight);
        Reading<T> reading = inner.reader().apply(attempt);
        AnswerReader reader = new AnswerReader(
                session.tls(),
                reading.content(),
                padding.filter(mode -> mode == PaddingMode.FRAMES).map(mode -> new AnswerFrames.Reader()));
        return ohttp.sendChunked(
                        session.key().config(), step, 16 * 1024, reader::outer, inner.cancelled(), inner.reading())
                .recover(e -> {
                    session.tls().close();
                    return Future.failedFuture(
                            e instanceof java.util.concurrent.CancellationException ? e : transport(e));
                })
                .compose(outer -> {
                    if (outer.status() != 200) {
                        session.tls().close();
                        return Future.failedFuture(new SessionFailure(
                                SessionFailure.Kind.ENCLAVE,
                                outer.status() >= 500,
                                "the gateway answered " + outer.status() + ": " + problemDetail(outer),
                                null,
                                RetryAfter.of(outer.headers(), config.clock().instant())));
                    }
                    try {
                        reader.finishOuter(outer);
                        reader.finish();
                        return Future.succeededFuture(reading.result().get());
                    } catch (SessionFailure f) {
                        return Future.failedFuture(f);
                    } finally {
                        session.tls().close();
                    }
                });
    }

    private static SessionFailure transport(Throwable e) {
        if (e instanceof SessionFailure f) return f;
        if (e instanceof ProblemResponse p) {
            return new SessionFailure(
                    SessionFailure.Kind.TRANSPORT,
                    p.status() >= 500 || p.status() == 429,
                    "the relay or gateway answered " + p.getMessage(),
                    p);
        }
        if (e instanceof dev.cloister.wire.ohttp.OhttpException o
                && o.reason() == dev.cloister.wire.ohttp.OhttpException.Reason.KEY_CONFIGURATION) {
            // The gateway no longer holds the key this request was sealed to (a restart, a rotation): the retry
            // fetches and verifies the key configuration again.
            return new SessionFailure(
                    SessionFailure.Kind.TRANSPORT,
                    true,
                    "the gateway's key configuration changed: " + o.getMessage(),
                    o);
        }
        return new SessionFailure(
                SessionFailure.Kind.TRANSPORT, "the relay could not be reached: " + e.getMessage(), e);
    }

    private static String problemDetail(BinaryResponse response) {
        return ProblemDetails.detail(response.content());
    }

    @Override
    public void close() {
        ohttp.close();
        web.close();
    }

    /** Everything a client must be told; nothing is defaulted that would weaken a check. */
    public static final class Builder {
        private final Vertx vertx;
        private URI relay;
        private URI keyDirectory;
        private String gatewayAuthority = "gateway.cloister.invalid";
        private LogIdentity log;
        private WitnessPolicy witnesses;
        private URI ledgerTiles;
        private dev.cloister.ledger.checkpoint.CheckpointStore checkpoints =
                new dev.cloister.ledger.checkpoint.InMemoryCheckpointStore();
        private RaTlsPolicy attestation;
        private dev.cloister.attest.sevsnp.SevSnpPolicy platformCpu;
        private RaTlsPolicy.GpuRequirement platformGpu;
        private dev.cloister.attest.ratls.AcceptedCpuPlatforms cpuPlatforms =
                new dev.cloister.attest.ratls.AcceptedCpuPlatforms.SevSnp();
        private AttestationVerifier verifier = AttestationVerifier.create();
        private URI issuer;
        private String account;
        private TokenChallenge challenge;
        private int tokenBatch = 8;
        private java.util.List<KeyExchange> keyExchanges = KeyExchange.DEFAULT_OFFER;
        private Duration timeout = Duration.ofSeconds(30);
        private int retries = 2;
        private AssistantRequest.Limits requestLimits = AssistantRequest.Limits.DEFAULT;
        private ChatCompletionRequest.Limits chatLimits = ChatCompletionRequest.Limits.DEFAULT;
        private Duration keyCacheTtl = Duration.ofMinutes(5);
        private java.nio.file.Path tokenStore;
        private Duration tokenRefillDelay = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();
        private SecureRandom random = new SecureRandom();
        private RequestLog requestLog = RequestLog.inMemory();
        private java.util.Optional<SizeBuckets> padding = java.util.Optional.of(SizeBuckets.DEFAULT);
        private java.util.Optional<dev.cloister.ledger.note.NoteVerifier> platformPolicyKey =
                java.util.Optional.empty();
        private Duration revocationMaxAge = dev.cloister.attest.RevocationCheck.DEFAULT_MAX_AGE;
        private java.util.List<dev.cloister.ledger.note.VerifierKey> releaseKeys = java.util.List.of();
        private Duration releaseQuarantine = dev.cloister.client.keys.ReleaseTrust.DEFAULT_QUARANTINE;

        private Builder(Vertx vertx) {
            this.vertx = Objects.requireNonNull(vertx);
        }

        public Builder relay(URI v) {
            this.relay = v;
            return this;
        }

        public Builder keyDirectory(URI v) {
            this.keyDirectory = v;
            return this;
        }

        public Builder gatewayAuthority(String v) {
            this.gatewayAuthority = v;
            return this;
        }

        /**
         * The ledger this client trusts: its identity (origin and key), the witnesses whose quorum must cosign, and
         * its tile prefix, from which the proofs that each new checkpoint extends the remembered one are computed.
         */
        public Builder ledger(LogIdentity log, WitnessPolicy witnesses, URI tiles) {
            this.log = log;
            this.witnesses = witnesses;
            this.ledgerTiles = tiles;
            return this;
        }

        /**
         * Where the largest verified checkpoint is remembered; default: memory only (a fork or a rollback shown across
         * two runs then goes unnoticed: apps should keep it, e.g. in
         * {@link dev.cloister.ledger.checkpoint.DirectoryCheckpointStore#ownerOnly}).
         */
        public Builder checkpointStore(dev.cloister.ledger.checkpoint.CheckpointStore v) {
            this.checkpoints = Objects.requireNonNull(v);
            return this;
        }
        /** A pinned policy (its own accepted measurements); the ledger's releases are then not consulted. */
        public Builder attestation(RaTlsPolicy policy, AttestationVerifier verifier) {
            this.attestation = policy;
            this.verifier = verifier;
            return this;
        }
        /** The platform policy (roots, TCB, GPU); the accepted measurements come from the ledger's published releases. */
        public Builder platform(
                dev.cloister.attest.sevsnp.SevSnpPolicy cpu,
                RaTlsPolicy.GpuRequirement gpu,
                AttestationVerifier verifier) {
            this.platformCpu = cpu;
            this.platformGpu = gpu;
            this.verifier = verifier;
            this.attestation = null;
            return this;
        }

        /**
         * With {@link #platform}: the CPU TEEs accepted (default SEV-SNP only). A TDX enclave is accepted under the
         * choice's TDX platform policy (roots, a required TCB status, TD attributes, launch configuration) when its MRTD
         * and RTMR0..2 are those of a TDX platform of a release from the ledger; a TDX-only choice refuses an SEV-SNP
         * enclave even when a release names its launch measurement.
         */
        public Builder cpuPlatforms(dev.cloister.attest.ratls.AcceptedCpuPlatforms platforms) {
            this.cpuPlatforms = Objects.requireNonNull(platforms, "platforms");
            return this;
        }

        /**
         * The release keys whose signature a release from the ledger needs (with {@link #platform}): at least one.
         */
        public Builder releaseKeys(java.util.List<dev.cloister.ledger.note.VerifierKey> keys) {
            this.releaseKeys = java.util.List.copyOf(keys);
            return this;
        }

        /**
         * How long a release must have been in the log before this client accepts it (default one hour), dated by a
         * witnessed checkpoint that holds it; zero waives the wait (a demo).
         */
        public Builder releaseQuarantine(Duration v) {
            this.releaseQuarantine = Objects.requireNonNull(v);
            return this;
        }

        public Builder issuer(URI issuer, String account, TokenChallenge challenge) {
            this.issuer = issuer;
            this.account = account;
            this.challenge = challenge;
            return this;
        }

        public Builder tokenBatch(int v) {
            this.tokenBatch = v;
            return this;
        }
        /** Keep unspent tokens in this file between runs (owner-only); default: memory only. */
        public Builder tokenStore(java.nio.file.Path v) {
            this.tokenStore = v;
            return this;
        }

        /**
         * The most a background token refill waits (uniformly random; default 10 s), so that a batch's timing does not
         * point to the session that emptied the wallet. Zero refills at once (still off the request path).
         */
        public Builder tokenRefillDelay(Duration v) {
            this.tokenRefillDelay = Objects.requireNonNull(v);
            return this;
        }

        /** Offer this key exchange only (default: {@link KeyExchange#DEFAULT_OFFER}, the ML-KEM hybrid first). */
        public Builder keyExchange(KeyExchange v) {
            this.keyExchanges = java.util.List.of(v);
            return this;
        }

        public Builder timeout(Duration v) {
            this.timeout = v;
            return this;
        }

        public Builder retries(int v) {
            this.retries = v;
            return this;
        }
        /** What the enclaves accept in one request (default: the enclave's defaults); checked before a token is spent. */
        public Builder requestLimits(AssistantRequest.Limits v) {
            this.requestLimits = Objects.requireNonNull(v);
            return this;
        }
        /** What the enclaves accept in one chat completion (default: the enclave's defaults); checked before a token. */
        public Builder chatLimits(ChatCompletionRequest.Limits v) {
            this.chatLimits = Objects.requireNonNull(v);
            return this;
        }
        /** How long verified keys and releases are reused (zero: verify on every request). */
        public Builder keyCacheTtl(Duration v) {
            this.keyCacheTtl = v;
            return this;
        }

        public Builder clock(Clock v) {
            this.clock = v;
            return this;
        }

        public Builder random(SecureRandom v) {
            this.random = v;
            return this;
        }

        public Builder requestLog(RequestLog v) {
            this.requestLog = v;
            return this;
        }

        /**
         * Pads requests to these size buckets and asks the enclave to pad its answers (the default, from 1 KiB):
         * streamed answers come in fixed-size frames at the enclave's cadence, whole answers padded to a bucket.
         */
        public Builder padding(SizeBuckets v) {
            this.padding = java.util.Optional.of(v);
            return this;
        }

        /** Sends requests and receives answers unpadded: the relay learns their sizes and the tokens' lengths. */
        public Builder noPadding() {
            this.padding = java.util.Optional.empty();
            return this;
        }

        /**
         * The key the ledger's platform policies must be signed with: the client then applies the SEV-SNP TCB floors
         * of the newest witnessed policy it signed (fetched from the key directory's {@code /platform-policies/proofs}),
         * never below the platform policy's own floors. Default: none (the platform policy's floors alone).
         */
        public Builder platformPolicyKey(dev.cloister.ledger.note.NoteVerifier key) {
            this.platformPolicyKey = java.util.Optional.of(key);
            return this;
        }

        /**
         * How old the revocation status an enclave staples may be (AMD's CRL for its product line, OCSP responses for
         * its GPU chain), from its thisUpdate; default {@link dev.cloister.attest.RevocationCheck#DEFAULT_MAX_AGE}
         * (7 days). Status is always required when the attestation policy comes from the ledger's releases.
         */
        public Builder revocationMaxAge(Duration v) {
            this.revocationMaxAge = Objects.requireNonNull(v);
            return this;
        }

        public CloisterClient build() {
            return new CloisterClient(config());
        }

        /** The configuration as set so far (checked: nothing is defaulted that would weaken a check). */
        public ClientConfig config() {
            return new ClientConfig(
                    vertx,
                    relay,
                    keyDirectory,
                    gatewayAuthority,
                    log,
                    witnesses,
                    ledgerTiles,
                    checkpoints,
                    attestation,
                    platformCpu,
                    platformGpu,
                    verifier,
                    issuer,
                    account,
                    challenge,
                    tokenBatch,
                    keyExchanges,
                    timeout,
                    retries,
                    requestLimits,
                    chatLimits,
                    keyCacheTtl,
                    tokenStore,
                    tokenRefillDelay,
                    clock,
                    random,
                    requestLog,
                    padding,
                    platformPolicyKey,
                    revocationMaxAge,
                    attestation != null
                            ? null
                            : new dev.cloister.client.keys.ReleaseTrust(releaseKeys, releaseQuarantine),
                    cpuPlatforms);
        }
    }
}
