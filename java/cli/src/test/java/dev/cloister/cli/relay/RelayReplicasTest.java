package dev.cloister.cli.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One relay in front of three real gateway verticles sharing one key ring (replicas), driven by the client library:
 * requests are spread over the replicas, and a replica that goes away costs no request.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RelayReplicasTest {

    private final SecureRandom random = new SecureRandom();

    private record Replica(GatewayVerticle verticle, String deployment, AtomicInteger posts) {
        URI url() {
            return URI.create("http://127.0.0.1:" + verticle.actualPort() + "/gateway");
        }
    }

    private static BinaryRequest echo(byte[] body) {
        return BinaryRequest.of(
                "POST",
                "https",
                "gateway.cloister.invalid",
                "/echo",
                FieldSection.of("content-type", "application/octet-stream"),
                body);
    }

    @Test
    void requestsSpreadOverReplicasAndSurviveOneGoingAway(Vertx vertx) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KeyRotation keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            GatewayVerticle gateway = new GatewayVerticle(
                    GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                    keys,
                    new EchoTarget(),
                    registry,
                    Clock.systemUTC());
            AtomicInteger posts = new AtomicInteger();
            gateway.observeRequests(request -> {
                if (request.method() == HttpMethod.POST) posts.incrementAndGet();
            });
            String id = vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
            replicas.add(new Replica(gateway, id, posts));
        }
        RelayVerticle relay = new RelayVerticle(
                new RelayConfig(
                        new ListenAddress("127.0.0.1", 0),
                        replicas.stream().map(Replica::url).toList(),
                        256 * 1024,
                        1e6,
                        1_000_000,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        Duration.ofMillis(200)),
                registry);
        vertx.deployVerticle(relay).await(10, TimeUnit.SECONDS);
        URI relayUrl = URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay");
        try (ObliviousHttpClient client = new ObliviousHttpClient(vertx, relayUrl, Duration.ofSeconds(10))) {
            KeyConfig config = client.fetchKeys(URI.create(
                            "http://127.0.0.1:" + replicas.getFirst().verticle().actualPort() + "/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            for (int i = 0; i < 12; i++) {
                byte[] body = ("request " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                BinaryResponse response = client.send(config, echo(body)).await(10, TimeUnit.SECONDS);
                assertEquals(200, response.status());
                assertArrayEquals(body, response.content());
            }
            for (Replica replica : replicas) {
                assertEquals(4, replica.posts().get(), "requests that reached " + replica.url());
            }

            // One replica goes away: every request still succeeds, on the other two.
            Replica gone = replicas.get(1);
            vertx.undeploy(gone.deployment()).await(10, TimeUnit.SECONDS);
            for (int i = 0; i < 12; i++) {
                BinaryResponse response =
                        client.send(config, echo(new byte[] {(byte) i})).await(10, TimeUnit.SECONDS);
                assertEquals(200, response.status());
            }
            assertEquals(4, gone.posts().get(), "a request reached the replica that went away");
            assertEquals(
                    20, replicas.get(0).posts().get() + replicas.get(2).posts().get());
            double retries =
                    registry.get("cloister.relay.gateway.retries").counter().count();
            assertTrue(retries <= 1, "retries: " + retries);
        }
    }
}
