package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.session.ChatAnswer;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.TokenWallet;
import dev.cloister.enclave.AnswerPadding;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.padding.PaddingMode;
import dev.cloister.protocol.padding.SizeBuckets;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.ohttp.KeyConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the relay forwards of a padded session (issue 15, item 1), seen by an observer between the client and a real
 * relay on loopback: the size of every chunk of the chunked OHTTP messages and when it arrived. Two different answers
 * of the same bucket, streamed (JSON lines and OpenAI event streams) and whole, give identical size sequences and
 * frames at the enclave's cadence; unpadded, the same two answers give different ones.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PaddedSessionTest {

    /** 1 KiB frames every 50 ms; answers padded to buckets from 8 KiB (so at least 8 frames). */
    /** 1 KiB frames every 50 ms, the first 2 ms after the request (as the default), buckets from 8 KiB. */
    static final AnswerPadding PADDING =
            new AnswerPadding(1024, Duration.ofMillis(50), Duration.ofMillis(2), new SizeBuckets(8192));

    @TempDir
    static Path dir;

    static Vertx vertx;
    static LocalDeployment deployment;
    static HttpServer observer;
    static URI observedRelay;
    /** The relay exchanges seen since the last {@link #observe}. */
    static final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    /** One request through the relay: the bytes each way, and when each response piece arrived. */
    static final class Exchange {
        final ByteArrayOutputStream request = new ByteArrayOutputStream();
        final ByteArrayOutputStream response = new ByteArrayOutputStream();
        final List<long[]> arrivals = new ArrayList<>(); // {end offset in response, nanoTime}

        synchronized void responsePiece(Buffer piece) {
            response.writeBytes(piece.getBytes());
            arrivals.add(new long[] {response.size(), System.nanoTime()});
        }
    }

    /** The chunked OHTTP response as the relay sees it: each chunk's length and when its last byte came. */
    record Chunk(int length, long nanos) {}

    /** What the observer learns of one session's answer exchange (the second through the relay). */
    record Observed(int requestBytes, List<Integer> sizes, List<Long> times) {
        /** The cost on the wire, for the README: printed, never asserted. */
        Observed report(String what) {
            System.out.printf(
                    "relay saw %s: request %d bytes; answer %d chunks, %d bytes, over %d ms%n",
                    what,
                    requestBytes,
                    sizes.size(),
                    sizes.stream().mapToLong(Integer::longValue).sum(),
                    (times.getLast() - times.getFirst()) / 1_000_000);
            return this;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        deployment = LocalDeployment.start(
                vertx,
                dir,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(1)
                        .withMaxOutputTokens(16)
                        .withPadding(PADDING));
        URI relay = deployment.relay();
        HttpClient forward = vertx.createHttpClient();
        observer = vertx.createHttpServer()
                .requestHandler(in -> {
                    Exchange exchange = new Exchange();
                    exchanges.add(exchange);
                    in.pause();
                    RequestOptions options = new RequestOptions()
                            .setMethod(in.method())
                            .setHost(relay.getHost())
                            .setPort(relay.getPort())
                            .setURI(in.uri());
                    in.headers().forEach(h -> {
                        if (!Set.of("host", "content-length", "transfer-encoding", "connection")
                                .contains(h.getKey().toLowerCase())) {
                            options.addHeader(h.getKey(), h.getValue());
                        }
                    });
                    forward.request(options).onSuccess(out -> {
                        out.setChunked(true);
                        in.handler(piece -> {
                            synchronized (exchange) {
                                exchange.request.writeBytes(piece.getBytes());
                            }
                            out.write(piece);
                        });
                        in.endHandler(v -> out.end());
                        in.resume();
                        out.response().onSuccess(back -> {
                            in.response().setStatusCode(back.statusCode()).setChunked(true);
                            back.headers().forEach(h -> {
                                if (!Set.of("content-length", "transfer-encoding", "connection")
                                        .contains(h.getKey().toLowerCase())) {
                                    in.response().putHeader(h.getKey(), h.getValue());
                                }
                            });
                            back.handler(piece -> {
                                exchange.responsePiece(piece);
                                in.response().write(piece);
                            });
                            back.endHandler(v -> in.response().end());
                        });
                    });
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        observedRelay = URI.create("http://127.0.0.1:" + observer.actualPort() + relay.getPath());
    }

    @AfterAll
    static void stop() throws Exception {
        if (observer != null) observer.close().await(10, TimeUnit.SECONDS);
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Runs one session through the observer and returns what it saw of the answer's exchange. */
    /** One private session of a client. */
    interface Session<T> {
        T run(CloisterClient client) throws Exception;
    }

    static <T> Observed observe(CloisterClient client, Session<T> session, List<T> answers) throws Exception {
        exchanges.clear();
        answers.add(session.run(client));
        // The session's two exchanges: the handshake (no user data), then the request and its answer.
        assertEquals(2, exchanges.size(), "one handshake and one request, no retry");
        Exchange answer = exchanges.get(1);
        List<Chunk> chunks;
        synchronized (answer) {
            chunks = chunks(answer);
        }
        return new Observed(
                answer.request.size(),
                chunks.stream().map(Chunk::length).toList(),
                chunks.stream().map(Chunk::nanos).toList());
    }

    /**
     * Parses a chunked OHTTP response (draft-ietf-ohai-chunked-ohttp §6.2) as an observer can: the response nonce,
     * whose length the request header's AEAD id gives (RFC 9458 §4.6: max(Nn, Nk)), then length-prefixed chunks up to
     * the final one (length 0), which runs to the end.
     */
    static List<Chunk> chunks(Exchange exchange) throws Exception {
        byte[] request = exchange.request.toByteArray();
        int aead = ((request[5] & 0xff) << 8) | (request[6] & 0xff);
        int at = aead == 1 ? 16 : 32; // AES-128-GCM: 16; AES-256-GCM, ChaCha20-Poly1305: 32
        byte[] bytes = exchange.response.toByteArray();
        List<Chunk> chunks = new ArrayList<>();
        while (true) {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes, at, bytes.length - at);
            long length = dev.cloister.wire.Varint.decode(in);
            at = in.position();
            if (length == 0) {
                chunks.add(new Chunk(bytes.length - at, arrival(exchange, bytes.length)));
                return chunks;
            }
            at += (int) length;
            assertTrue(at <= bytes.length, "a chunk runs past the response");
            chunks.add(new Chunk((int) length, arrival(exchange, at)));
        }
    }

    private static long arrival(Exchange exchange, int end) {
        for (long[] a : exchange.arrivals) {
            if (a[0] >= end) return a[1];
        }
        throw new AssertionError("no piece ends at " + end);
    }

    static CloisterClient.Answer rewriteStreamed(CloisterClient client, String draft) throws Exception {
        return client.rewrite(draft, "friendly", text -> {}).await(60, TimeUnit.SECONDS);
    }

    static CloisterClient.Answer rewriteWhole(CloisterClient client, String draft) throws Exception {
        return client.rewrite(draft, "friendly").await(60, TimeUnit.SECONDS);
    }

    static ChatAnswer chat(CloisterClient client, String prompt, boolean stream) throws Exception {
        ChatCompletionRequest request = ChatCompletionRequest.of(
                        deployment.modelId(),
                        List.of(new ChatCompletionRequest.Message(ChatCompletionRequest.Role.USER, prompt)))
                .withMaxTokens(16)
                .withSampling(0f, 1f, java.util.OptionalLong.empty())
                .streamed(stream);
        return client.chat(request, chunk -> {}).answer().await(60, TimeUnit.SECONDS);
    }

    static final String FIRST = "Once upon a time there was a little cat.";
    static final String SECOND = "The big dog ran to the park and played with a red ball all day long.";

    @Test
    void streamedAnswersOfOneBucketLookTheSameToTheRelay() throws Exception {
        try (CloisterClient client =
                deployment.client().relay(observedRelay).retries(0).build()) {
            List<CloisterClient.Answer> answers = new ArrayList<>();
            Observed first =
                    observe(client, c -> rewriteStreamed(c, FIRST), answers).report("padded, streamed");
            Observed second =
                    observe(client, c -> rewriteStreamed(c, SECOND), answers).report("padded, streamed");
            assertNotEquals(answers.get(0).text(), answers.get(1).text(), "two different answers");
            assertEquals(first.requestBytes(), second.requestBytes(), "requests padded to one bucket");
            assertEquals(first.sizes(), second.sizes(), "the same chunk sizes");
            assertAtCadence(first);
            assertAtCadence(second);
        }
    }

    @Test
    void streamedChatCompletionsOfOneBucketLookTheSameToTheRelay() throws Exception {
        try (CloisterClient client =
                deployment.client().relay(observedRelay).retries(0).build()) {
            List<ChatAnswer> answers = new ArrayList<>();
            Observed first = observe(client, c -> chat(c, FIRST, true), answers);
            Observed second = observe(client, c -> chat(c, SECOND, true), answers);
            assertNotEquals(answers.get(0).content(), answers.get(1).content(), "two different answers");
            assertEquals(first.requestBytes(), second.requestBytes());
            assertEquals(first.sizes(), second.sizes());
            assertAtCadence(first);
        }
    }

    @Test
    void wholeAnswersOfOneBucketLookTheSameToTheRelay() throws Exception {
        try (CloisterClient client =
                deployment.client().relay(observedRelay).retries(0).build()) {
            List<Object> answers = new ArrayList<>();
            Observed first =
                    observe(client, c -> rewriteWhole(c, FIRST), answers).report("padded, whole");
            Observed second = observe(client, c -> rewriteWhole(c, SECOND), answers);
            Observed third = observe(client, c -> chat(c, FIRST, false), answers);
            Observed fourth = observe(client, c -> chat(c, SECOND, false), answers);
            assertEquals(first.requestBytes(), second.requestBytes());
            assertEquals(first.sizes(), second.sizes());
            assertEquals(third.sizes(), fourth.sizes());
        }
    }

    @Test
    void unpaddedTheSameAnswersAreToldApart() throws Exception {
        try (CloisterClient client =
                deployment.client().relay(observedRelay).retries(0).noPadding().build()) {
            List<CloisterClient.Answer> answers = new ArrayList<>();
            Observed first =
                    observe(client, c -> rewriteStreamed(c, FIRST), answers).report("unpadded, streamed");
            Observed second =
                    observe(client, c -> rewriteStreamed(c, SECOND), answers).report("unpadded, streamed");
            observe(client, c -> rewriteWhole(c, FIRST), new ArrayList<>()).report("unpadded, whole");
            assertNotEquals(first.requestBytes(), second.requestBytes(), "the request sizes differ");
            assertNotEquals(first.sizes(), second.sizes(), "the chunk sizes tell the answers apart");
        }
    }

    /** A request whose padding header names no mode the enclave knows is refused, with the reason, unpadded. */
    @Test
    void anUnknownPaddingModeIsRefused() throws Exception {
        byte[] inner = BinaryRequest.of(
                        "POST",
                        "https",
                        "enclave",
                        "/v1/rewrite",
                        FieldSection.of("content-type", "application/json", PaddingMode.HEADER, "jumbo"),
                        "{\"draft\":\"hi\",\"tone\":\"formal\"}".getBytes(StandardCharsets.UTF_8))
                .encode();
        RaTlsConnection connection = rawSession(inner);
        BinaryResponse answer = BinaryResponse.decode(connection.takeReceived(), BhttpLimits.DEFAULT);
        assertEquals(400, answer.status());
        assertEquals(0, answer.padding());
        assertTrue(
                new String(answer.content(), StandardCharsets.UTF_8).contains("unknown padding mode"),
                new String(answer.content(), StandardCharsets.UTF_8));
    }

    /** RFC 9292 §3.8: padding is zero bytes; a request padded with anything else is refused, and nothing answered. */
    @Test
    void aRequestWithNonZeroPaddingIsRefused() throws Exception {
        byte[] inner = BinaryRequest.of(
                        "POST",
                        "https",
                        "enclave",
                        "/v1/rewrite",
                        FieldSection.of("content-type", "application/json", PaddingMode.HEADER, "bucket"),
                        "{\"draft\":\"hi\",\"tone\":\"formal\"}".getBytes(StandardCharsets.UTF_8))
                .withPadding(100)
                .encode();
        inner[inner.length - 1] = 1;
        RaTlsConnection connection = rawSession(inner);
        assertEquals(0, connection.takeReceived().length, "no answer");
        assertTrue(
                last.headers().first("cloister-session-closed").isPresent()
                        || last.status() != 200
                        || connection.isClosed(),
                "the enclave ended the session: " + last);
    }

    /** The gateway's answer to the last {@link #rawSession} step. */
    static BinaryResponse last;

    /** A session opened by hand through the real relay: the handshake, then {@code inner} sent in one step. */
    private static RaTlsConnection rawSession(byte[] inner) throws Exception {
        RaTlsConnection connection = RaTlsClient.create(
                        deployment.attestationPolicy(),
                        AttestationVerifier.create(),
                        KeyExchange.X25519,
                        java.util.Optional.empty(),
                        Duration.ofSeconds(10),
                        java.time.Clock.systemUTC(),
                        new java.security.SecureRandom())
                .connect();
        TokenWallet wallet = deployment.tokenWallet(1);
        try (ObliviousHttpClient ohttp = new ObliviousHttpClient(vertx, deployment.relay(), Duration.ofSeconds(10))) {
            KeyConfig key = ohttp.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            BinaryResponse opened = ohttp.send(
                            key,
                            BinaryRequest.of(
                                    "POST",
                                    "https",
                                    LocalDeployment.ORIGIN,
                                    "/v1/sessions",
                                    FieldSection.of(
                                            "authorization",
                                            PrivateTokenCredentials.format(
                                                    wallet.take().await(30, TimeUnit.SECONDS))),
                                    connection.takeOutgoing()))
                    .await(30, TimeUnit.SECONDS);
            assertEquals(201, opened.status());
            connection.receive(opened.content());
            assertTrue(connection.isHandshakeComplete());
            connection.send(inner);
            BinaryResponse answered = ohttp.send(
                            key,
                            BinaryRequest.of(
                                    "POST",
                                    "https",
                                    LocalDeployment.ORIGIN,
                                    "/v1/sessions/"
                                            + opened.headers().first("session").orElseThrow(),
                                    FieldSection.EMPTY,
                                    connection.takeOutgoing()))
                    .await(30, TimeUnit.SECONDS);
            if (answered.status() == 200) connection.receive(answered.content());
            last = answered;
        }
        return connection;
    }

    /**
     * The frames (every chunk but the outer head, the TLS close and the end) come one per tick: their median gap is
     * about the cadence, never a burst.
     */
    static void assertAtCadence(Observed observed) {
        List<Long> times = observed.times();
        assertTrue(times.size() >= 8 + 3, "at least a bucket of frames: " + observed.sizes());
        List<Long> gaps = new ArrayList<>();
        for (int i = 2; i < times.size() - 2; i++) gaps.add(times.get(i) - times.get(i - 1));
        gaps.sort(Long::compare);
        long median = gaps.get(gaps.size() / 2);
        long cadence = PADDING.cadence().toNanos();
        assertTrue(
                median > cadence / 2 && median < cadence * 2,
                "median gap " + median / 1_000_000 + " ms for a " + cadence / 1_000_000 + " ms cadence; gaps (ns) "
                        + gaps);
        assertFalse(observed.sizes().isEmpty());
        // Every frame is one TLS record of one size: all chunks between the head and the close are equal.
        assertEquals(
                1,
                observed.sizes().subList(1, observed.sizes().size() - 2).stream()
                        .distinct()
                        .count(),
                observed.sizes().toString());
    }
}
