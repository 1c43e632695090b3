package dev.cloister.cli.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.ChunkedObliviousRequest;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A chunked OHTTP upload larger than the limits, through the real relay and gateway on loopback: the client is told
 * 413 (with the problem body) while it is still sending, the relay stops reading and closes the connection, and it
 * does not forward the whole body. Between relay and gateway a counting TCP proxy measures what was forwarded. The
 * client keeps writing until the connection closes, like a client that sends its whole body before it reads.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RelayOversizedUploadTest {

    /** What the client would send if nobody stopped it: far more than any limit, and than socket buffers hold. */
    private static final long UPLOAD = 64L << 20;

    private static final int CHUNK = 16 << 10;

    private final SecureRandom random = new SecureRandom();
    private KeyRotation keys;
    private int gatewayPort;
    private final AtomicLong forwarded = new AtomicLong();
    private int proxyPort;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        GatewayVerticle gateway = new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                keys,
                new EchoTarget(),
                new SimpleMeterRegistry(),
                Clock.systemUTC());
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        gatewayPort = gateway.actualPort();
        proxyPort = countingProxy(vertx).actualPort();
    }

    /** A TCP proxy to the gateway that counts the bytes the relay sends through it. */
    private NetServer countingProxy(Vertx vertx) throws Exception {
        var net = vertx.createNetClient();
        return vertx.createNetServer()
                .connectHandler(in -> {
                    in.pause();
                    net.connect(gatewayPort, "127.0.0.1")
                            .onSuccess(out -> {
                                in.handler(b -> {
                                    forwarded.addAndGet(b.length());
                                    out.write(b);
                                    if (out.writeQueueFull()) {
                                        in.pause();
                                        out.drainHandler(v -> in.resume());
                                    }
                                });
                                out.handler(in::write);
                                in.closeHandler(v -> out.close());
                                out.closeHandler(v -> in.close());
                                in.resume();
                            })
                            .onFailure(e -> in.close());
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
    }

    private RelayVerticle relay(Vertx vertx, long maxBody) throws Exception {
        RelayVerticle relay = new RelayVerticle(
                new RelayConfig(
                        new ListenAddress("127.0.0.1", 0),
                        URI.create("http://127.0.0.1:" + proxyPort + "/gateway"),
                        maxBody,
                        100,
                        100,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(30)),
                new SimpleMeterRegistry());
        vertx.deployVerticle(relay).await(10, TimeUnit.SECONDS);
        return relay;
    }

    /** What the client saw: the answer, how much it had written when the answer came, and when it was cut off. */
    private record Outcome(
            int status, String contentType, JsonObject problem, long writtenAtAnswer, long writtenAtClose) {}

    /** Uploads valid chunks of one chunked OHTTP request until the relay closes the connection (or all is sent). */
    private Outcome upload(Vertx vertx, int relayPort) throws Exception {
        KeyConfig config = keys.get().advertised(Instant.now()).getFirst();
        ChunkedObliviousRequest request =
                ChunkedObliviousRequest.start(config, config.algorithms().getFirst(), random);
        HttpClientAgent http = vertx.createHttpClient();
        Promise<Long> closed = Promise.promise();
        long[] written = {0};
        Future<Outcome> outcome = http.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(relayPort)
                        .setURI("/relay")
                        .putHeader("content-type", OhttpMediaTypes.CHUNKED_REQUEST))
                .compose(post -> {
                    post.setChunked(true);
                    post.connection().closeHandler(v -> closed.tryComplete(written[0]));
                    post.exceptionHandler(e -> {});
                    Future<HttpClientResponse> answer = post.response();
                    post.write(Buffer.buffer(request.header()));
                    keepWriting(vertx, post, request, written, closed.future());
                    return answer.compose(response -> {
                        long atAnswer = written[0];
                        return response.body()
                                .compose(body -> closed.future()
                                        .map(atClose -> new Outcome(
                                                response.statusCode(),
                                                response.getHeader("content-type"),
                                                body.toJsonObject(),
                                                atAnswer,
                                                atClose)));
                    });
                });
        return outcome.await(50, TimeUnit.SECONDS);
    }

    /**
     * Writes four chunks a millisecond at most (64 MB/s: loopback answers travel faster than that, so what the relay
     * forwards after the gateway refused stays small), with backpressure.
     */
    private void keepWriting(
            Vertx vertx, HttpClientRequest post, ChunkedObliviousRequest request, long[] written, Future<Long> closed) {
        try {
            for (int i = 0; i < 4 && !closed.isComplete() && written[0] < UPLOAD; i++) {
                if (post.writeQueueFull()) {
                    post.drainHandler(v -> keepWriting(vertx, post, request, written, closed));
                    return;
                }
                byte[] chunk = request.sealChunk(new byte[CHUNK]);
                post.write(Buffer.buffer(chunk));
                written[0] += chunk.length;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (closed.isComplete()) return;
        if (written[0] < UPLOAD) {
            vertx.setTimer(1, id -> keepWriting(vertx, post, request, written, closed));
        } else {
            post.end();
        }
    }

    private void assertRefusedWhileUploading(Outcome outcome, long limit) {
        assertEquals(413, outcome.status());
        assertEquals(Problem.MEDIA_TYPE, outcome.contentType());
        assertEquals(Problem.TOO_LARGE.toJson(), outcome.problem());
        assertTrue(outcome.writtenAtAnswer() < UPLOAD, "the answer came while the client was still sending");
        assertTrue(
                outcome.writtenAtClose() < UPLOAD,
                "the relay closed the connection instead of reading the rest (" + outcome.writtenAtClose()
                        + " written)");
        assertTrue(
                forwarded.get() < limit + (4 << 20),
                "the relay forwarded " + forwarded.get() + " bytes of an upload refused at " + limit + "; " + outcome);
    }

    @Test
    void theGatewaysRefusalReachesTheClientAndTheUploadStops(Vertx vertx) throws Exception {
        RelayVerticle relay = relay(vertx, 1L << 30); // the relay would take it: the gateway's 1 MiB limit refuses
        Outcome outcome = upload(vertx, relay.actualPort());
        assertRefusedWhileUploading(
                outcome,
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0))
                        .ohttpLimits()
                        .maxMessageLength());
    }

    @Test
    void theRelaysOwnLimitAnswers413AtOnce(Vertx vertx) throws Exception {
        RelayVerticle relay = relay(vertx, 256 << 10);
        Outcome outcome = upload(vertx, relay.actualPort());
        assertRefusedWhileUploading(outcome, 256 << 10);
    }
}
