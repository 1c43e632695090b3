package dev.cloister.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A streamed response that arrives and ends at once (a few bytes) must still reach the reader: the response's handlers
 * are set before Vert.x can deliver its end. Here the "relay" answers 200 with a chunked-response media type and three
 * junk bytes, hundreds of times from a plain thread; every exchange must fail as unreadable OHTTP, never with the
 * IllegalStateException of a handler set on an ended response, and never hang.
 */
class ObliviousHttpClientStreamingTest {
    private Vertx vertx;
    private HttpServer relay;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        relay = vertx.createHttpServer()
                .requestHandler(request -> request.body()
                        .onSuccess(b -> request.response()
                                .putHeader("content-type", "message/ohttp-chunked-res")
                                .end("abc")))
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aResponseThatEndsAtOnceIsStillRead() throws Exception {
        KeyConfig config = GatewayKey.generate(
                        1,
                        KemId.DHKEM_X25519_HKDF_SHA256,
                        List.of(new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM)),
                        Instant.now(),
                        Instant.now().plusSeconds(3600),
                        new SecureRandom())
                .config();
        BinaryRequest request =
                BinaryRequest.of("POST", "https", "gateway.example", "/", FieldSection.EMPTY, new byte[10]);
        try (ObliviousHttpClient client = new ObliviousHttpClient(
                vertx, URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay"), Duration.ofSeconds(10))) {
            for (int round = 0; round < 10; round++) {
                List<Future<?>> exchanges = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    exchanges.add(client.sendChunked(config, request, 4, chunk -> {}));
                }
                Future.join(exchanges).otherwiseEmpty().await(30, TimeUnit.SECONDS);
                for (Future<?> f : exchanges) {
                    assertTrue(f.failed(), "junk cannot open");
                    assertTrue(
                            !(f.cause() instanceof IllegalStateException), () -> "handler set too late: " + f.cause());
                }
            }
        }
    }
}
