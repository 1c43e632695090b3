package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.protocol.http.ProblemResponse;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.HpkeKem;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.ChunkedObliviousRequest;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.KeyConfigs;
import dev.cloister.wire.ohttp.ObliviousRequest;
import dev.cloister.wire.ohttp.OhttpException;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real relay and gateway verticles on loopback, driven by the client library and by raw HTTP. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RelayGatewayTest {

    private static final String KEY_PROBLEM = "https://iana.org/assignments/http-problem-types#ohttp-key";

    private final SecureRandom random = new SecureRandom();
    private PrometheusMeterRegistry registry;
    private KeyRotation keys;
    private GatewayVerticle gateway;
    private RelayVerticle relay;
    private AdminVerticle admin;
    private WebClient web;
    private ObliviousHttpClient client;
    private URI gatewayBase;
    private URI relayUrl;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        gateway = new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                keys,
                new EchoTarget(),
                registry,
                Clock.systemUTC());
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        gatewayBase = URI.create("http://127.0.0.1:" + gateway.actualPort());
        relay = startRelay(vertx, gatewayBase.resolve("/gateway"), 1000, 1000, Duration.ofSeconds(5));
        relayUrl = URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay");
        admin = new AdminVerticle(new ListenAddress("127.0.0.1", 0), registry);
        vertx.deployVerticle(admin).await(10, TimeUnit.SECONDS);
        web = WebClient.create(vertx);
        client = new ObliviousHttpClient(vertx, relayUrl, Duration.ofSeconds(10));
    }

    private RelayVerticle startRelay(Vertx vertx, URI gatewayUrl, double rate, int burst, Duration timeout)
            throws Exception {
        RelayVerticle r = new RelayVerticle(
                new RelayConfig(
                        new ListenAddress("127.0.0.1", 0),
                        gatewayUrl,
                        256 * 1024,
                        rate,
                        burst,
                        Duration.ofSeconds(2),
                        timeout),
                registry);
        vertx.deployVerticle(r).await(10, TimeUnit.SECONDS);
        return r;
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        web.close();
    }

    private KeyConfig config() throws Exception {
        return client.fetchKeys(gatewayBase.resolve("/ohttp-keys"))
                .await(10, TimeUnit.SECONDS)
                .getFirst();
    }

    private static BinaryRequest post(String path, byte[] body) {
        return BinaryRequest.of(
                "POST",
                "https",
                "gateway.cloister.invalid",
                path,
                FieldSection.of("content-type", "application/octet-stream"),
                body);
    }

    private static Throwable failure(io.vertx.core.Future<?> future) {
        try {
            future.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e instanceof ExecutionException ? e.getCause() : e;
        }
        throw new AssertionError("expected a failure");
    }

    private HttpResponse<Buffer> postRaw(URI url, String contentType, byte[] body) throws Exception {
        return web.postAbs(url.toString())
                .putHeader("content-type", contentType)
                .sendBuffer(Buffer.buffer(body))
                .await(10, TimeUnit.SECONDS);
    }

    @Test
    void keysAreServedAsOhttpKeysAndCacheable() throws Exception {
        HttpResponse<Buffer> response =
                web.getAbs(gatewayBase.resolve("/ohttp-keys").toString()).send().await(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals(OhttpMediaTypes.KEYS, response.getHeader("content-type"));
        assertTrue(response.getHeader("cache-control").contains("max-age="));
        assertEquals(
                keys.get().advertised(java.time.Instant.now()),
                KeyConfigs.decode(response.body().getBytes()));
    }

    @Test
    void plainRequestRoundTripsThroughTheRelay() throws Exception {
        byte[] body = new byte[5000];
        new Random(1).nextBytes(body);
        BinaryResponse response = client.send(config(), post("/echo", body)).await(10, TimeUnit.SECONDS);
        assertEquals(200, response.status());
        assertArrayEquals(body, response.content());
        assertEquals(
                "application/octet-stream",
                response.headers().first("content-type").orElseThrow());
    }

    @Test
    void chunkedRequestRoundTripsAndTheResponseStreamsInChunks() throws Exception {
        byte[] body = new byte[100_000];
        new Random(2).nextBytes(body);
        List<byte[]> chunks = new ArrayList<>();
        BinaryResponse response = client.sendChunked(config(), post("/echo", body), 4096, chunks::add)
                .await(10, TimeUnit.SECONDS);
        assertEquals(200, response.status());
        assertArrayEquals(body, response.content());
        assertTrue(chunks.size() > 3, "response came in " + chunks.size() + " chunks");
    }

    @Test
    void statusPathAnswersThatStatusInsideTheEncapsulation() throws Exception {
        BinaryResponse response = client.send(
                        config(), BinaryRequest.of("GET", "https", "x", "/status/503", FieldSection.EMPTY, new byte[0]))
                .await(10, TimeUnit.SECONDS);
        assertEquals(503, response.status());
    }

    @Test
    void p256GatewayDecapsulatesOnWorkersPlainAndChunked(Vertx vertx) throws Exception {
        KeyRotation p256 = new KeyRotation(
                KemId.DHKEM_P256_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        GatewayVerticle p256Gateway = new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0))
                        .withDecapsulation(GatewayConfig.Decapsulation.WORKER),
                p256,
                new EchoTarget(),
                registry,
                Clock.systemUTC());
        vertx.deployVerticle(p256Gateway).await(10, TimeUnit.SECONDS);
        URI base = URI.create("http://127.0.0.1:" + p256Gateway.actualPort());
        try (ObliviousHttpClient direct =
                new ObliviousHttpClient(vertx, base.resolve("/gateway"), Duration.ofSeconds(10))) {
            KeyConfig config = direct.fetchKeys(base.resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            assertEquals(KemId.DHKEM_P256_HKDF_SHA256, config.kem());
            byte[] body = "p-256".getBytes();
            assertArrayEquals(
                    body,
                    direct.send(config, post("/", body))
                            .await(10, TimeUnit.SECONDS)
                            .content());
            assertArrayEquals(
                    body,
                    direct.sendChunked(config, post("/", body), 3, c -> {})
                            .await(10, TimeUnit.SECONDS)
                            .content());
            KeyConfig wrongId =
                    new KeyConfig((config.keyId() + 1) % 256, config.kem(), config.publicKey(), config.algorithms());
            assertEquals(
                    OhttpException.Reason.KEY_CONFIGURATION,
                    assertInstanceOf(OhttpException.class, failure(direct.send(wrongId, post("/", body))))
                            .reason());
        }
    }

    @Test
    void unknownKeyIdIsTheOhttpKeyProblem() throws Exception {
        KeyConfig real = config();
        KeyConfig wrongId = new KeyConfig((real.keyId() + 1) % 256, real.kem(), real.publicKey(), real.algorithms());
        OhttpException error =
                assertInstanceOf(OhttpException.class, failure(client.send(wrongId, post("/", new byte[1]))));
        assertEquals(OhttpException.Reason.KEY_CONFIGURATION, error.reason());
        ProblemResponse problem = assertInstanceOf(ProblemResponse.class, error.getCause());
        assertEquals(400, problem.status());
        assertEquals(KEY_PROBLEM, problem.type());
        assertTrue(problem.isKeyConfigurationProblem());
    }

    @Test
    void undecryptableRequestIs400() throws Exception {
        KeyConfig real = config();
        byte[] otherKey = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256)
                .generateKeyPair(random)
                .publicKey();
        KeyConfig forged =
                new KeyConfig(real.keyId(), real.kem(), dev.cloister.base.Bytes.of(otherKey), real.algorithms());
        ProblemResponse problem =
                assertInstanceOf(ProblemResponse.class, failure(client.send(forged, post("/", new byte[1]))));
        assertEquals(400, problem.status());
        assertFalse(problem.isKeyConfigurationProblem());
        ProblemResponse chunked = assertInstanceOf(
                ProblemResponse.class, failure(client.sendChunked(forged, post("/", new byte[1]), 16, c -> {})));
        assertEquals(400, chunked.status());
    }

    @Test
    void malformedInnerRequestGetsAnEncapsulated400() throws Exception {
        ObliviousRequest request = ObliviousRequest.encapsulate(
                config(), config().algorithms().getFirst(), new byte[] {0x07, 1, 2, 3}, random);
        HttpResponse<Buffer> response = postRaw(relayUrl, OhttpMediaTypes.REQUEST, request.bytes());
        assertEquals(200, response.statusCode());
        assertEquals(
                400,
                BinaryResponse.decode(request.openResponse(response.body().getBytes()))
                        .status());
    }

    @Test
    void wrongMediaTypeIs415AtRelayAndGateway() throws Exception {
        assertEquals(415, postRaw(relayUrl, "application/json", new byte[10]).statusCode());
        HttpResponse<Buffer> atGateway = postRaw(gatewayBase.resolve("/gateway"), "text/plain", new byte[10]);
        assertEquals(415, atGateway.statusCode());
        assertEquals(Problem.MEDIA_TYPE, atGateway.getHeader("content-type"));
    }

    @Test
    void oversizedBodiesAre413AtRelayAndGateway() throws Exception {
        assertEquals(
                413,
                postRaw(relayUrl, OhttpMediaTypes.REQUEST, new byte[300 * 1024]).statusCode());
        assertEquals(
                413,
                postRaw(gatewayBase.resolve("/gateway"), OhttpMediaTypes.REQUEST, new byte[2 << 20])
                        .statusCode());
    }

    @Test
    void garbageIs400AndWrongMethodAndPathAreRefused() throws Exception {
        assertEquals(
                400, postRaw(relayUrl, OhttpMediaTypes.REQUEST, new byte[3]).statusCode());
        assertEquals(
                405,
                web.getAbs(gatewayBase.resolve("/gateway").toString())
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
        assertEquals(
                405,
                web.getAbs(relayUrl.toString())
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
        assertEquals(
                404,
                web.getAbs(gatewayBase.resolve("/nothing").toString())
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
    }

    @Test
    void truncatedChunkedRequestIs400() throws Exception {
        ChunkedObliviousRequest chunked =
                ChunkedObliviousRequest.start(config(), config().algorithms().getFirst(), random);
        Buffer body = Buffer.buffer(chunked.header()).appendBytes(chunked.sealChunk(new byte[] {0, 3, 'G', 'E', 'T'}));
        HttpResponse<Buffer> response = postRaw(relayUrl, OhttpMediaTypes.CHUNKED_REQUEST, body.getBytes());
        assertEquals(400, response.statusCode());
        assertEquals(
                "chunked message ended without its final chunk",
                response.bodyAsJsonObject().getString("title"));
    }

    @Test
    void unreachableGatewayIs502(Vertx vertx) throws Exception {
        RelayVerticle orphan =
                startRelay(vertx, URI.create("http://127.0.0.1:1/gateway"), 100, 100, Duration.ofSeconds(5));
        HttpResponse<Buffer> response = postRaw(
                URI.create("http://127.0.0.1:" + orphan.actualPort() + "/relay"),
                OhttpMediaTypes.REQUEST,
                new byte[100]);
        assertEquals(502, response.statusCode());
        assertEquals(Problem.MEDIA_TYPE, response.getHeader("content-type"));
    }

    @Test
    void silentGatewayIs504AfterTheRelayTimeout(Vertx vertx) throws Exception {
        HttpServer silent = vertx.createHttpServer()
                .requestHandler(request -> {})
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        RelayVerticle impatient = startRelay(
                vertx,
                URI.create("http://127.0.0.1:" + silent.actualPort() + "/gateway"),
                100,
                100,
                Duration.ofSeconds(1));
        long start = System.nanoTime();
        HttpResponse<Buffer> response = postRaw(
                URI.create("http://127.0.0.1:" + impatient.actualPort() + "/relay"),
                OhttpMediaTypes.REQUEST,
                new byte[100]);
        assertEquals(504, response.statusCode());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "the relay gave up in time");
    }

    @Test
    void clientThatDripsItsBodyIsCutOffAtTheRelayDeadline(Vertx vertx) throws Exception {
        RelayVerticle strict = startRelay(vertx, gatewayBase.resolve("/gateway"), 100, 100, Duration.ofSeconds(1));
        io.vertx.core.net.NetSocket socket = vertx.createNetClient()
                .connect(strict.actualPort(), "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        StringBuilder received = new StringBuilder();
        io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
        socket.handler(b -> received.append(b.toString()));
        socket.closeHandler(v -> closed.tryComplete());
        socket.write("POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: " + OhttpMediaTypes.CHUNKED_REQUEST
                + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        long drip = vertx.setPeriodic(200, id -> socket.write("1\r\nx\r\n"));
        long start = System.nanoTime();
        closed.future().await(15, TimeUnit.SECONDS);
        vertx.cancelTimer(drip);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
        assertTrue(received.toString().startsWith("HTTP/1.1 504"), received::toString);
    }

    @Test
    void relayForwardsNothingThatIdentifiesTheClient(Vertx vertx) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer capture = vertx.createHttpServer()
                .requestHandler(request -> {
                    request.headers().forEach(h -> seen.put(h.getKey().toLowerCase(), h.getValue()));
                    request.body()
                            .onSuccess(b -> request.response()
                                    .putHeader("content-type", OhttpMediaTypes.RESPONSE)
                                    .putHeader("set-cookie", "tracking=1")
                                    .putHeader("x-gateway-secret", "no")
                                    .end("answer"));
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        RelayVerticle r = startRelay(
                vertx,
                URI.create("http://127.0.0.1:" + capture.actualPort() + "/gateway"),
                100,
                100,
                Duration.ofSeconds(5));
        HttpResponse<Buffer> response = web.postAbs("http://127.0.0.1:" + r.actualPort() + "/relay")
                .putHeader("content-type", OhttpMediaTypes.REQUEST)
                .putHeader("cookie", "session=abc")
                .putHeader("x-forwarded-for", "203.0.113.7")
                .putHeader("forwarded", "for=203.0.113.7")
                .putHeader("user-agent", "phone/1.0")
                .putHeader("authorization", "Bearer x")
                .sendBuffer(Buffer.buffer("ciphertext"))
                .await(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals("answer", response.bodyAsString());
        assertNull(response.getHeader("set-cookie"), "gateway headers are not passed back");
        assertNull(response.getHeader("x-gateway-secret"));
        assertEquals(OhttpMediaTypes.REQUEST, seen.get("content-type"));
        for (String header : seen.keySet()) {
            assertTrue(
                    List.of("content-type", "content-length", "host", "transfer-encoding")
                            .contains(header),
                    () -> "relay forwarded header " + header);
        }
        assertFalse(seen.values().stream().anyMatch(v -> v.contains("203.0.113.7") || v.contains("abc")));
    }

    @Test
    void relayRateLimitsPerClientAddress(Vertx vertx) throws Exception {
        RelayVerticle strict = startRelay(vertx, gatewayBase.resolve("/gateway"), 0.01, 2, Duration.ofSeconds(5));
        URI url = URI.create("http://127.0.0.1:" + strict.actualPort() + "/relay");
        assertEquals(400, postRaw(url, OhttpMediaTypes.REQUEST, new byte[3]).statusCode());
        assertEquals(400, postRaw(url, OhttpMediaTypes.REQUEST, new byte[3]).statusCode());
        HttpResponse<Buffer> limited = postRaw(url, OhttpMediaTypes.REQUEST, new byte[3]);
        assertEquals(429, limited.statusCode());
        assertTrue(Long.parseLong(limited.getHeader("retry-after")) >= 1);
    }

    @Test
    void metricsCountOutcomesAndNeverContent() throws Exception {
        client.send(config(), post("/echo", "very private words".getBytes())).await(10, TimeUnit.SECONDS);
        postRaw(relayUrl, "text/plain", new byte[1]);
        String metrics = web.getAbs("http://127.0.0.1:" + admin.actualPort() + "/metrics")
                .send()
                .await(10, TimeUnit.SECONDS)
                .bodyAsString();
        assertTrue(metrics.contains("cloister_gateway_requests_total{kind=\"ohttp\",outcome=\"ok\"} 1.0"), metrics);
        assertTrue(metrics.contains("cloister_relay_requests_total{outcome=\"media_type\"} 1.0"));
        assertTrue(metrics.contains("cloister_gateway_latency_seconds_bucket"));
        assertFalse(metrics.contains("private"));
        JsonObject health = web.getAbs("http://127.0.0.1:" + admin.actualPort() + "/health")
                .send()
                .await(10, TimeUnit.SECONDS)
                .bodyAsJsonObject();
        assertEquals("UP", health.getString("status"));
    }
}
