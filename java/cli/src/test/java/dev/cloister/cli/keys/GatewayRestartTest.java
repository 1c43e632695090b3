package dev.cloister.cli.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyIdReservations;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.keys.KeyDirectoryVerticle;
import dev.cloister.protocol.http.ProblemResponse;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.OhttpException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway restarted with new keys, behind a relay and a key directory that mirrors it only once an hour: a client
 * holding the old key is told to fetch the keys again (not "did not decrypt"), gets the new key from the directory at
 * once, and its request goes through, all well within the directory's refresh. And a directory started before its
 * gateway serves the keys as soon as the gateway is up; one given two replicas serves from whichever is up.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class GatewayRestartTest {

    private static final Duration HOURLY = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger keyFetches = new AtomicInteger();

    /** A gateway process start: a new key ring (its ids reserved in the state file) and the verticle on {@code port}. */
    private GatewayVerticle startGateway(Vertx vertx, int port) throws Exception {
        KeyRotation keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(24),
                Duration.ofHours(6),
                Duration.ofHours(6),
                Clock.systemUTC(),
                random,
                KeyIdReservations.open(dir.resolve("ohttp-key-ids")));
        GatewayVerticle gateway = new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", port)),
                keys,
                () -> new KeyProofs(List.of()),
                new EchoTarget(),
                new SimpleMeterRegistry(),
                Clock.systemUTC());
        gateway.observeRequests(request -> {
            if (request.path().equals("/ohttp-keys")) keyFetches.incrementAndGet();
        });
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        return gateway;
    }

    private KeyDirectoryVerticle startDirectory(Vertx vertx, int gatewayPort) throws Exception {
        KeyDirectoryVerticle directory = new KeyDirectoryVerticle(
                new ListenAddress("127.0.0.1", 0), URI.create("http://127.0.0.1:" + gatewayPort + "/"), HOURLY);
        vertx.deployVerticle(directory).await(10, TimeUnit.SECONDS);
        return directory;
    }

    private static BinaryRequest echo(String text) {
        return BinaryRequest.of(
                "POST",
                "https",
                "gateway.cloister.invalid",
                "/echo",
                FieldSection.EMPTY,
                text.getBytes(StandardCharsets.UTF_8));
    }

    private static Throwable failure(Future<?> future) {
        try {
            future.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e instanceof ExecutionException ? e.getCause() : e;
        }
        throw new AssertionError("expected a failure");
    }

    private static void assertKeyConfigurationProblem(Throwable failure) {
        OhttpException refused = assertInstanceOf(OhttpException.class, failure);
        assertEquals(OhttpException.Reason.KEY_CONFIGURATION, refused.reason(), refused.getMessage());
        ProblemResponse problem = assertInstanceOf(ProblemResponse.class, refused.getCause());
        assertEquals(400, problem.status());
        assertEquals("https://iana.org/assignments/http-problem-types#ohttp-key", problem.type());
    }

    @Test
    void aClientHoldingTheOldKeyIsToldToRefetchAndRecoversAtOnce(Vertx vertx) throws Exception {
        GatewayVerticle gateway = startGateway(vertx, 0);
        int port = gateway.actualPort();
        KeyDirectoryVerticle directory = startDirectory(vertx, port);
        directory.mirror().await(10, TimeUnit.SECONDS);
        URI keys = URI.create("http://127.0.0.1:" + directory.actualPort() + "/ohttp-keys");
        RelayVerticle relay = new RelayVerticle(
                RelayConfig.defaults(
                        new ListenAddress("127.0.0.1", 0), URI.create("http://127.0.0.1:" + port + "/gateway")),
                new SimpleMeterRegistry());
        vertx.deployVerticle(relay).await(10, TimeUnit.SECONDS);
        try (ObliviousHttpClient client = new ObliviousHttpClient(
                vertx, URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay"), Duration.ofSeconds(10))) {
            KeyConfig before =
                    client.fetchKeys(keys).await(10, TimeUnit.SECONDS).getFirst();
            assertEquals(
                    200,
                    client.send(before, echo("before"))
                            .await(10, TimeUnit.SECONDS)
                            .status());

            vertx.undeploy(gateway.deploymentID()).await(10, TimeUnit.SECONDS);
            startGateway(vertx, port);

            // The old key's id is not the new key's: the gateway says "fetch the keys again", plain and chunked.
            assertKeyConfigurationProblem(failure(client.send(before, echo("stale"))));
            assertKeyConfigurationProblem(failure(client.sendChunked(before, echo("stale"), 64, c -> {})));
            // The directory's copy is an hour old at most, but the refused client's fetch has it revalidate now.
            KeyConfig after = client.fetchKeys(keys).await(10, TimeUnit.SECONDS).getFirst();
            assertNotEquals(before.keyId(), after.keyId());
            assertArrayEquals(
                    "after".getBytes(StandardCharsets.UTF_8),
                    client.send(after, echo("after"))
                            .await(10, TimeUnit.SECONDS)
                            .content());
        }
    }

    @Test
    void revalidationsAskedByClientsReachTheGatewayAtMostOnceASecond(Vertx vertx) throws Exception {
        GatewayVerticle gateway = startGateway(vertx, 0);
        KeyDirectoryVerticle directory = startDirectory(vertx, gateway.actualPort());
        directory.mirror().await(10, TimeUnit.SECONDS);
        int before = keyFetches.get();
        WebClient web = WebClient.create(vertx);
        List<Future<?>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(web.get(directory.actualPort(), "127.0.0.1", "/ohttp-keys")
                    .putHeader("cache-control", "no-cache")
                    .send()
                    .map(r -> {
                        assertEquals(200, r.statusCode());
                        return r;
                    }));
        }
        Future.all(answers).await(20, TimeUnit.SECONDS);
        int fetched = keyFetches.get() - before;
        assertTrue(fetched >= 1, "a revalidation reached the gateway");
        assertTrue(fetched <= 3, "20 revalidations in a burst made " + fetched + " fetches at the gateway");
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 30, unit = TimeUnit.SECONDS) // bounds the wait below
    void aDirectoryStartedBeforeItsGatewayServesKeysSoonAfterTheGatewayIsUp(Vertx vertx) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        KeyDirectoryVerticle directory = startDirectory(vertx, port);
        WebClient web = WebClient.create(vertx);
        assertEquals(
                503,
                web.get(directory.actualPort(), "127.0.0.1", "/ohttp-keys")
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
        Thread.sleep(300); // a few failed mirrors before the gateway comes up
        assertFalse(directory.ready());
        startGateway(vertx, port);
        // The directory refreshes hourly; it must not wait for that.
        while (!directory.ready()) {
            Thread.sleep(50);
        }
        assertEquals(
                200,
                web.get(directory.actualPort(), "127.0.0.1", "/ohttp-keys")
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
    }

    private static byte[] keysOf(WebClient web, int port) throws Exception {
        var response = web.get(port, "127.0.0.1", "/ohttp-keys").send().await(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        return response.body().getBytes();
    }

    private static int unusedPort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private static URI base(int port) {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    @Test
    void aDirectoryGivenTwoReplicasServesFromWhicheverIsUp(Vertx vertx) throws Exception {
        int first = unusedPort();
        GatewayVerticle second = startGateway(vertx, 0);
        KeyDirectoryVerticle directory = new KeyDirectoryVerticle(
                new ListenAddress("127.0.0.1", 0),
                List.of(base(first), base(second.actualPort())),
                HOURLY,
                new KeyProofs(List.of()),
                new KeyProofs(List.of()));
        vertx.deployVerticle(directory).await(10, TimeUnit.SECONDS);
        WebClient web = WebClient.create(vertx);

        // The first replica is down from the start: the copy is the second's.
        directory.mirror().await(10, TimeUnit.SECONDS);
        assertTrue(directory.ready());
        byte[] secondKeys = keysOf(web, second.actualPort());
        assertArrayEquals(secondKeys, keysOf(web, directory.actualPort()));

        // The second goes down and the first comes up (with keys of its own, to tell the copies apart).
        vertx.undeploy(second.deploymentID()).await(10, TimeUnit.SECONDS);
        GatewayVerticle firstUp = startGateway(vertx, first);
        directory.mirror().await(10, TimeUnit.SECONDS);
        byte[] firstKeys = keysOf(web, first);
        assertFalse(java.util.Arrays.equals(firstKeys, secondKeys));
        assertArrayEquals(firstKeys, keysOf(web, directory.actualPort()));

        // Both down: the mirror fails and the last copy is still served.
        vertx.undeploy(firstUp.deploymentID()).await(10, TimeUnit.SECONDS);
        assertThrows(Exception.class, () -> directory.mirror().await(20, TimeUnit.SECONDS));
        assertArrayEquals(firstKeys, keysOf(web, directory.actualPort()));
    }
}
