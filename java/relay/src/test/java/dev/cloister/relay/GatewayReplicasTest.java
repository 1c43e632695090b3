package dev.cloister.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.server.ListenAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay in front of several gateway replicas: real relay verticles and real HTTP servers on loopback standing in
 * for the replicas (each counts the POSTs that reached it, answers probes with a status it is told).
 */
class GatewayReplicasTest {

    private static final Duration NEVER = Duration.ofHours(1);

    private Vertx vertx;
    private HttpClient client;
    /**
     * Every request of {@link #client} is made on this one event-loop context. Vert.x 5.0.7 lends a pooled connection
     * to requests of any context; a response whose connection runs on another event loop can end before the
     * requester's {@code body()} is set up, and that body never completes (vert.x issue 6038, fixed after 5.0.7):
     * requests made straight from the test thread (a new context each) hung about once in 300.
     */
    private Context context;

    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        context = vertx.getOrCreateContext();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** How a stand-in replica answers a POST. */
    private enum Behaviour {
        ANSWER,
        /** Reads the whole request, then closes the connection without an answer. */
        DROP,
        /** Reads the whole request and answers 500. */
        FAIL
    }

    /** A real HTTP server standing in for a gateway replica. */
    private final class Replica {
        final String name;
        final Behaviour behaviour;
        final AtomicInteger posts = new AtomicInteger();
        volatile int probeStatus = 405;
        HttpServer server;

        Replica(String name, Behaviour behaviour) throws Exception {
            this.name = name;
            this.behaviour = behaviour;
            server = vertx.createHttpServer()
                    .requestHandler(this::handle)
                    .listen(0, "127.0.0.1")
                    .await(10, TimeUnit.SECONDS);
        }

        private void handle(HttpServerRequest request) {
            if (request.method() == HttpMethod.HEAD) {
                request.response().setStatusCode(probeStatus).end();
                return;
            }
            posts.incrementAndGet();
            request.body().onSuccess(body -> {
                switch (behaviour) {
                    case ANSWER ->
                        request.response()
                                .putHeader("content-type", "message/ohttp-res")
                                .end(name);
                    case DROP -> request.connection().close();
                    case FAIL -> request.response().setStatusCode(500).end();
                }
            });
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.actualPort() + "/gateway");
        }
    }

    /** A loopback URL nobody listens on: connections to it are refused. */
    private static URI refused() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return URI.create("http://127.0.0.1:" + port + "/gateway");
    }

    private int relay(List<URI> gateways, Duration probeInterval) throws Exception {
        RelayVerticle relay = new RelayVerticle(
                new RelayConfig(
                        new ListenAddress("127.0.0.1", 0),
                        gateways,
                        64 * 1024,
                        1e6,
                        1_000_000,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        probeInterval),
                registry);
        vertx.deployVerticle(relay).await(10, TimeUnit.SECONDS);
        return relay.actualPort();
    }

    private record Answer(int status, String body) {}

    private Answer post(int relayPort) throws Exception {
        Promise<Answer> answer = Promise.promise();
        context.runOnContext(v -> client.request(HttpMethod.POST, relayPort, "127.0.0.1", "/relay")
                .compose(request ->
                        request.putHeader("content-type", "message/ohttp-req").send(Buffer.buffer(new byte[1024])))
                .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body.toString())))
                .onComplete(answer));
        return answer.future().await(10, TimeUnit.SECONDS);
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void requestsAreSpreadRoundRobinOverTheReplicas() throws Exception {
        List<Replica> replicas = List.of(
                new Replica("a", Behaviour.ANSWER),
                new Replica("b", Behaviour.ANSWER),
                new Replica("c", Behaviour.ANSWER));
        int relay = relay(replicas.stream().map(Replica::url).toList(), NEVER);
        List<String> answeredBy = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Answer answer = post(relay);
            assertEquals(200, answer.status());
            answeredBy.add(answer.body());
        }
        for (Replica replica : replicas) {
            assertEquals(10, replica.posts.get(), "POSTs that reached " + replica.name);
        }
        assertEquals(List.of("a", "b", "c"), answeredBy.subList(0, 3));
        assertEquals(0, counter("cloister.relay.gateway.retries"));
    }

    @Test
    void aReplicaThatFailsItsProbeIsSkippedUntilAProbeSucceeds() throws Exception {
        Replica up = new Replica("up", Behaviour.ANSWER);
        Replica unavailable = new Replica("unavailable", Behaviour.ANSWER);
        unavailable.probeStatus = 503;
        int relay = relay(List.of(unavailable.url(), refused(), up.url()), Duration.ofMillis(100));
        // Both bad replicas fail a probe: the one answering 503, the one refusing connections.
        await(() -> counter("cloister.relay.gateway.probe.failures") >= 2, "both bad replicas failed a probe");
        for (int i = 0; i < 20; i++) {
            assertEquals(new Answer(200, "up"), post(relay));
        }
        assertEquals(0, unavailable.posts.get(), "a replica that failed its probe got a request");
        assertEquals(0, counter("cloister.relay.gateway.retries"), "a skipped replica was tried");
        unavailable.probeStatus = 405;
        await(
                () -> {
                    try {
                        return post(relay).body().equals("unavailable");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                },
                "the replica is back in the turn after a successful probe");
    }

    @Test
    void aConnectionFailureIsRetriedOnceOnAnotherReplica() throws Exception {
        Replica up = new Replica("up", Behaviour.ANSWER);
        int relay = relay(List.of(refused(), up.url()), NEVER);
        assertEquals(new Answer(200, "up"), post(relay));
        assertEquals(1, counter("cloister.relay.gateway.retries"));
        assertEquals(1, up.posts.get());
        // The refusing replica left the turn when it refused: the next requests go straight to the other.
        for (int i = 0; i < 5; i++) {
            assertEquals(new Answer(200, "up"), post(relay));
        }
        assertEquals(1, counter("cloister.relay.gateway.retries"));
    }

    @Test
    void aConnectionFailureIsRetriedOnlyOnce() throws Exception {
        Replica up = new Replica("up", Behaviour.ANSWER);
        int relay = relay(List.of(refused(), refused(), up.url()), NEVER);
        Answer answer = post(relay);
        assertEquals(502, answer.status());
        assertTrue(answer.body().contains("\"status\":502"), answer.body());
        assertEquals(1, counter("cloister.relay.gateway.retries"));
        assertEquals(0, up.posts.get());
        // Both refusing replicas are out of the turn now.
        assertEquals(new Answer(200, "up"), post(relay));
    }

    @Test
    void aRequestThatReachedAGatewayAndWasDroppedIsNotRetried() throws Exception {
        Replica dropping = new Replica("dropping", Behaviour.DROP);
        Replica up = new Replica("up", Behaviour.ANSWER);
        int relay = relay(List.of(dropping.url(), up.url()), NEVER);
        Answer answer = post(relay);
        assertEquals(502, answer.status());
        assertEquals(1, dropping.posts.get());
        assertEquals(0, up.posts.get(), "a request that may have reached a gateway was sent again");
        assertEquals(0, counter("cloister.relay.gateway.retries"));
    }

    @Test
    void aGatewayErrorIsPassedOnNotRetried() throws Exception {
        Replica failing = new Replica("failing", Behaviour.FAIL);
        Replica up = new Replica("up", Behaviour.ANSWER);
        int relay = relay(List.of(failing.url(), up.url()), NEVER);
        assertEquals(500, post(relay).status());
        assertEquals(1, failing.posts.get());
        assertEquals(0, up.posts.get(), "a request that reached a gateway was sent again");
        assertEquals(0, counter("cloister.relay.gateway.retries"));
    }

    @Test
    void aConfigurationWithoutReplicasOrWithOneTwiceIsRefused() {
        ListenAddress listen = new ListenAddress("127.0.0.1", 0);
        URI gateway = URI.create("http://127.0.0.1:8080/gateway");
        assertThrows(IllegalArgumentException.class, () -> RelayConfig.defaults(listen, List.of()));
        assertThrows(IllegalArgumentException.class, () -> RelayConfig.defaults(listen, List.of(gateway, gateway)));
        assertThrows(
                IllegalArgumentException.class,
                () -> RelayConfig.defaults(listen, List.of(gateway, URI.create("ftp://127.0.0.1/gateway"))));
    }
}
