package dev.cloister.cli.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.base.SecretBytes;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.session.TokenWallet;
import dev.cloister.enclave.Enclave;
import dev.cloister.enclave.EnclaveVerticle;
import dev.cloister.enclave.PoolMembership;
import dev.cloister.operator.GatewayDeployment;
import dev.cloister.operator.sessions.EmbeddedSessionHandles;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.sessions.EnclaveRegistration;
import dev.cloister.operator.sessions.SessionRouter;
import dev.cloister.operator.tokens.RedisSpentTokenStore;
import dev.cloister.server.ListenAddress;
import dev.cloister.testing.RedisServer;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.ohttp.KeyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateway replicas over one real redis-server, and three simulated enclaves that join the pool by registration:
 * any replica serves any step of any session and a handle works once across all of them; every replica attests each
 * member itself, chooses uniformly among the live attested members, and drops a member that fails attestation or
 * stops heart-beating; a member that cannot be connected to costs no new session (the first step goes to another);
 * a step through a replica that has not admitted its member yet waits for that replica's own attestation of it;
 * a replica without Redis answers 503 and forwards nothing.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayReplicasTest {

    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration SYNC = Duration.ofMillis(500);
    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    @TempDir
    static Path dir;

    static Vertx vertx;
    static PrometheusMeterRegistry registry;
    static RedisServer redis;
    static LocalDeployment deployment;
    static final List<GatewayDeployment> replicas = new ArrayList<>();
    static final List<PoolMembership> heartbeats = new ArrayList<>();
    static final List<Enclave> extra = new ArrayList<>();
    static final SecureRandom random = new SecureRandom();
    static final byte[] secret = new byte[32];
    static Redis probe;

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        redis = RedisServer.start();
        probe = Redis.createClient(vertx, redis.connectionString());
        deployment = LocalDeployment.start(
                vertx,
                dir,
                registry,
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(3)
                        .withMaxOutputTokens(4));
        random.nextBytes(secret);
        SecretBytes handleKey = SecretBytes.random(random, 32);
        for (int i = 0; i < 3; i++) {
            replicas.add(deployment.startReplica(
                    new GatewayDeployment.Replicated(
                            Redis.createClient(vertx, redis.connectionString()),
                            handleKey,
                            Optional.of(new GatewayDeployment.Membership(
                                    new ListenAddress("127.0.0.1", 0),
                                    new SecretKeySpec(secret, "HmacSHA256"),
                                    TTL,
                                    SYNC))),
                    new RedisSpentTokenStore(
                            vertx,
                            redis.connectionString(),
                            new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                            Duration.ofHours(1),
                            Duration.ofSeconds(2))));
        }
        // Each enclave registers with a different replica; every replica learns of all three through Redis.
        for (int i = 0; i < 3; i++) {
            PoolMembership heartbeat = membership(
                    i, "enclave-" + i, sessionsUrl(deployment.enclaves().get(i)));
            heartbeats.add(heartbeat);
            assertEquals(204, heartbeat.start().await(30, TimeUnit.SECONDS));
        }
        await(() -> replicas.stream().allMatch(r -> pool(r).members().size() == 3), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        heartbeats.forEach(PoolMembership::stop);
        for (GatewayDeployment r : replicas) r.undeploy().otherwiseEmpty().await(10, TimeUnit.SECONDS);
        for (Enclave e : extra) e.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
        if (redis != null) redis.close();
    }

    private static PoolMembership membership(int replica, String id, URI sessions) {
        return new PoolMembership(
                vertx,
                WebClient.create(vertx),
                URI.create("http://127.0.0.1:"
                        + replicas.get(replica).membershipPort().orElseThrow()),
                new SecretKeySpec(secret, "HmacSHA256"),
                id,
                sessions,
                HEARTBEAT,
                Clock.systemUTC());
    }

    private static URI sessionsUrl(Enclave enclave) {
        return URI.create("http://127.0.0.1:" + enclave.port() + "/sessions/");
    }

    private static EnclavePool pool(GatewayDeployment replica) {
        return replica.pool().orElseThrow();
    }

    private static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached within " + limit);
            Thread.sleep(50);
        }
    }

    private static ObliviousHttpClient ohttp(int replica) {
        return new ObliviousHttpClient(
                vertx,
                URI.create("http://127.0.0.1:" + replicas.get(replica).actualPort() + "/gateway"),
                Duration.ofSeconds(30));
    }

    private static KeyConfig key() throws Exception {
        try (ObliviousHttpClient keys = ohttp(0)) {
            return keys.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
        }
    }

    private static BinaryResponse send(
            int replica, KeyConfig key, String method, String path, FieldSection headers, byte[] body)
            throws Exception {
        try (ObliviousHttpClient client = ohttp(replica)) {
            return client.send(key, BinaryRequest.of(method, "https", LocalDeployment.ORIGIN, path, headers, body))
                    .await(30, TimeUnit.SECONDS);
        }
    }

    private static RaTlsClient tls() {
        return RaTlsClient.create(
                deployment.attestationPolicy(),
                AttestationVerifier.create(),
                KeyExchange.X25519,
                Optional.empty(),
                Duration.ofSeconds(10),
                Clock.systemUTC(),
                new SecureRandom());
    }

    /** Opens an attested session on {@code replica}; returns the connection and the first handle. */
    private static Map.Entry<RaTlsConnection, String> open(int replica, KeyConfig key, TokenWallet wallet)
            throws Exception {
        RaTlsConnection connection = tls().connect();
        BinaryResponse first = send(
                replica,
                key,
                "POST",
                "/v1/sessions",
                FieldSection.of(
                        "authorization",
                        PrivateTokenCredentials.format(wallet.take().await(30, TimeUnit.SECONDS))),
                connection.takeOutgoing());
        assertEquals(201, first.status(), () -> new String(first.content()));
        connection.receive(first.content());
        assertTrue(connection.isHandshakeComplete(), "attested through replica " + replica);
        return Map.entry(connection, first.headers().first("session").orElseThrow());
    }

    /** The TLS bytes of a rewrite request on an open session: the next step's body. */
    private static byte[] rewriteStep(RaTlsConnection connection) throws Exception {
        connection.send(BinaryRequest.of(
                        "POST",
                        "https",
                        "enclave",
                        "/v1/rewrite",
                        FieldSection.EMPTY,
                        "{\"draft\":\"hi there\",\"tone\":\"formal\"}".getBytes())
                .encode());
        return connection.takeOutgoing();
    }

    @Test
    @Order(1)
    void anyReplicaServesAnyStepAndAHandleWorksOnce() throws Exception {
        KeyConfig key = key();
        TokenWallet wallet = deployment.tokenWallet(2);
        Map.Entry<RaTlsConnection, String> session = open(0, key, wallet);
        RaTlsConnection connection = session.getKey();
        String handle = session.getValue();

        // The next step goes to another replica: it takes the handle minted by the first, and the enclave's answer
        // decrypts on the client's connection (the same enclave session, reached through another gateway).
        BinaryResponse step =
                send(1, key, "POST", "/v1/sessions/" + handle, FieldSection.EMPTY, rewriteStep(connection));
        assertEquals(200, step.status(), () -> new String(step.content()));
        connection.receive(step.content());
        assertTrue(connection.takeReceived().length > 0, "the enclave answered through the second replica");

        // The handle is spent everywhere: replayed on the third replica, and on the first, it is unknown.
        for (int replica : new int[] {2, 0}) {
            BinaryResponse replay =
                    send(replica, key, "POST", "/v1/sessions/" + handle, FieldSection.EMPTY, new byte[] {23, 3, 3});
            assertEquals(404, replay.status(), "a replayed handle is refused on replica " + replica);
        }
        Optional<String> next = step.headers().first("session");
        if (next.isPresent()) {
            assertEquals(
                    204,
                    send(2, key, "DELETE", "/v1/sessions/" + next.get(), FieldSection.EMPTY, new byte[0])
                            .status());
        }

        // A token spent through one replica is refused by another (spent tokens shared in Redis too).
        dev.cloister.tokens.privacypass.Token token = wallet.take().await(30, TimeUnit.SECONDS);
        FieldSection auth = FieldSection.of("authorization", PrivateTokenCredentials.format(token));
        assertEquals(
                201,
                send(0, key, "POST", "/v1/sessions", auth, tls().connect().takeOutgoing())
                        .status());
        assertEquals(
                401,
                send(1, key, "POST", "/v1/sessions", auth, tls().connect().takeOutgoing())
                        .status());
    }

    @Test
    @Order(2)
    void everyReplicaChoosesUniformlyAmongTheLiveAttestedMembers() {
        // 30,000 picks per replica among three members, chi-square with 2 degrees of freedom, p = 0.001; and the
        // 90,000 picks of the three replicas together.
        Map<String, Integer> all = new HashMap<>();
        for (GatewayDeployment replica : replicas) {
            Map<String, Integer> picks = new HashMap<>();
            for (int i = 0; i < 30_000; i++) {
                String id = pool(replica).pick().orElseThrow().id();
                picks.merge(id, 1, Integer::sum);
                all.merge(id, 1, Integer::sum);
            }
            assertEquals(3, picks.size(), picks::toString);
            assertTrue(chiSquare(picks.values(), 30_000) < 13.82, "pool choice not uniform: " + picks);
        }
        assertEquals(
                Map.of("enclave-0", 30_000, "enclave-1", 30_000, "enclave-2", 30_000)
                        .keySet(),
                all.keySet());
        assertTrue(chiSquare(all.values(), 90_000) < 13.82, "choice across replicas not uniform: " + all);
    }

    private static double chiSquare(java.util.Collection<Integer> counts, int total) {
        double expected = (double) total / counts.size();
        return counts.stream()
                .mapToDouble(c -> (c - expected) * (c - expected) / expected)
                .sum();
    }

    @Test
    @Order(3)
    void anEnclaveWhoseEvidenceFailsIsNeverRoutedTo() throws Exception {
        // A genuine (simulated) platform running a release the operator does not accept.
        byte[] otherRelease = new byte[48];
        Arrays.fill(otherRelease, (byte) 0x5a);
        Path models = Path.of(System.getProperty("cloister.models"));
        Clock clock = Clock.systemUTC();
        Enclave impostor = Enclave.start(
                vertx,
                new Enclave.Settings(
                        models.resolve("stories260K.bin"),
                        models.resolve("tok512.bin"),
                        1,
                        2,
                        4,
                        Duration.ofSeconds(60),
                        new AttestationMode.PerHandshake(),
                        EnclaveVerticle.Config.defaults(new ListenAddress("127.0.0.1", 0))),
                new SimulatedEvidenceSource(
                        deployment.cpu(),
                        Optional.of(deployment.gpu()),
                        otherRelease,
                        Duration.ZERO,
                        Duration.ofMinutes(1),
                        clock,
                        random),
                registry,
                clock,
                random);
        extra.add(impostor);
        URI at = sessionsUrl(impostor);

        // Registering is refused with 403 and nothing is recorded for the other replicas.
        PoolMembership refused = membership(1, "impostor", at);
        assertEquals(403, refused.announce().await(30, TimeUnit.SECONDS));
        assertEquals(0, exists("cloister:enclave:impostor"));

        // Written into Redis directly (a registrant that bypasses the endpoint): every replica attests it before
        // routing, finds the evidence fails, and it is removed for all.
        probe.send(Request.cmd(Command.SET).arg("cloister:enclave:impostor").arg(at.toString()))
                .await(10, TimeUnit.SECONDS);
        await(() -> exists("cloister:enclave:impostor") == 0, Duration.ofSeconds(20));
        Thread.sleep(SYNC.multipliedBy(3).toMillis());
        for (GatewayDeployment replica : replicas) {
            assertTrue(pool(replica).member("impostor").isEmpty());
            assertEquals(3, pool(replica).members().size());
            for (int i = 0; i < 3_000; i++)
                assertFalse(pool(replica).pick().orElseThrow().id().equals("impostor"));
        }
    }

    private static long exists(String key) {
        try {
            return probe.send(Request.cmd(Command.EXISTS).arg(key))
                    .await(10, TimeUnit.SECONDS)
                    .toLong();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(4)
    void aMemberThatStopsHeartbeatingLeavesEveryPoolWithinTheTtl() throws Exception {
        heartbeats.get(2).stop();
        long stopped = System.nanoTime();
        await(() -> replicas.stream().allMatch(r -> pool(r).member("enclave-2").isEmpty()), TTL.multipliedBy(2));
        Duration took = Duration.ofNanos(System.nanoTime() - stopped);
        // The key expires TTL - SYNC after the last heartbeat and each replica reads every SYNC: within the TTL, plus
        // a second of scheduling slack on a loaded machine.
        assertTrue(took.compareTo(TTL.plusSeconds(1)) <= 0, "left every pool within the TTL: " + took);
        for (GatewayDeployment replica : replicas)
            assertEquals(2, pool(replica).members().size());

        // It heart-beats again (to another replica): every replica attests it and it is back everywhere.
        PoolMembership again =
                membership(0, "enclave-2", sessionsUrl(deployment.enclaves().get(2)));
        heartbeats.set(2, again);
        assertEquals(204, again.start().await(30, TimeUnit.SECONDS));
        await(() -> replicas.stream().allMatch(r -> pool(r).members().size() == 3), Duration.ofSeconds(20));
    }

    /** A loopback port nothing listens on: a member that died since the last membership read. */
    private static URI deadSessionsUrl() throws Exception {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/sessions/");
        }
    }

    @Test
    @Order(5)
    void aMemberThatCannotBeConnectedToCostsNoNewSession() throws Exception {
        EnclavePool pool = pool(replicas.get(0));
        EnclavePool.Member live = pool.member("enclave-0").orElseThrow();
        pool.admit(new EnclavePool.Member("gone", deadSessionsUrl(), live.attestation(), Instant.now()));
        Counter failures =
                registry.get("cloister.gateway.sessions.enclave.failures").counter();
        double before = failures.count();
        KeyConfig key = key();
        TokenWallet wallet = deployment.tokenWallet(8);
        // One in four picks is the dead member; every session opens all the same (open asserts 201 and an attested
        // handshake), and the first pick of it takes it out of the pool.
        int sessions = 0;
        while (pool.member("gone").isPresent()) {
            assertTrue(sessions < 60, "the dead member was never picked");
            Map.Entry<RaTlsConnection, String> session = open(0, key, wallet);
            sessions++;
            assertEquals(
                    204,
                    send(0, key, "DELETE", "/v1/sessions/" + session.getValue(), FieldSection.EMPTY, new byte[0])
                            .status());
        }
        assertEquals(before + 1, failures.count(), "the dead member was tried once");
        assertEquals(3, pool.members().size());
    }

    @Test
    @Order(6)
    void aFirstStepIsOfferedToAtMostThreeMembers() throws Exception {
        // A router of its own over a pool of four dead members (the replicas' pools are refilled by heartbeats and
        // rechecks while a test runs).
        EnclavePool pool = new EnclavePool(random);
        EnclavePool.Member live = pool(replicas.get(0)).member("enclave-0").orElseThrow();
        for (int i = 0; i < 4; i++) {
            pool.admit(new EnclavePool.Member("gone-" + i, deadSessionsUrl(), live.attestation(), Instant.now()));
        }
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SessionRouter router = new SessionRouter(
                pool,
                new EmbeddedSessionHandles(random, Clock.systemUTC(), Duration.ofSeconds(30), 16),
                WebClient.create(vertx),
                vertx.createHttpClient(),
                Duration.ofSeconds(5),
                Optional.empty(),
                UnaryOperator.identity(),
                id -> io.vertx.core.Future.succeededFuture(Optional.empty()),
                own);
        BinaryResponse refused = router.handle(BinaryRequest.of(
                        "POST",
                        "https",
                        LocalDeployment.ORIGIN,
                        "/v1/sessions",
                        FieldSection.EMPTY,
                        tls().connect().takeOutgoing()))
                .await(30, TimeUnit.SECONDS);
        assertEquals(503, refused.status());
        assertEquals("1", refused.headers().first("retry-after").orElseThrow());
        assertTrue(new String(refused.content()).contains("the enclave did not answer"));
        assertEquals(1, pool.members().size(), "three members tried, each removed; the fourth untouched");
        assertEquals(
                3,
                own.get("cloister.gateway.sessions.enclave.failures").counter().count());
        assertEquals(1, own.get("cloister.gateway.sessions.opened").counter().count());
    }

    @Test
    @Order(7)
    void aStepForAMemberThisReplicaHasNotAdmittedYetIsAttestedThenForwarded() throws Exception {
        // Replica 2 receives no heartbeats: with every member dropped from its checks it stands where a replica is
        // between a member's registration through another replica and its own next read of the members.
        GatewayDeployment lagging = replicas.get(2);
        EnclaveRegistration registration = lagging.registration().orElseThrow();
        Map<String, URI> members = lagging.membership().orElseThrow().tracked();
        assertEquals(3, members.size(), members::toString);
        members.keySet().forEach(registration::deregister);
        assertTrue(pool(lagging).members().isEmpty());
        try {
            KeyConfig key = key();
            Map.Entry<RaTlsConnection, String> session = open(0, key, deployment.tokenWallet(1));
            RaTlsConnection connection = session.getKey();
            BinaryResponse step = send(
                    2, key, "POST", "/v1/sessions/" + session.getValue(), FieldSection.EMPTY, rewriteStep(connection));
            assertEquals(200, step.status(), () -> new String(step.content()));
            connection.receive(step.content());
            assertTrue(connection.takeReceived().length > 0, "the enclave answered through the lagging replica");
            assertEquals(1, pool(lagging).members().size(), "the session's member, attested on demand, and no other");
            // A member no replica knows is not looked up into existence.
            assertEquals(
                    Optional.empty(),
                    lagging.membership().orElseThrow().admitUnknown("nobody").await(10, TimeUnit.SECONDS));
        } finally {
            members.forEach(registration::register);
            await(() -> pool(lagging).members().size() == 3, Duration.ofSeconds(20));
        }
    }

    @Test
    @Order(10)
    void aReplicaWithoutRedisAnswers503AndForwardsNothing() throws Exception {
        KeyConfig key = key();
        Map.Entry<RaTlsConnection, String> session = open(2, key, deployment.tokenWallet(1));
        Counter steps = registry.get("cloister.gateway.sessions.steps").counter();
        redis.close();
        double before = steps.count();
        BinaryResponse refused =
                send(1, key, "POST", "/v1/sessions/" + session.getValue(), FieldSection.EMPTY, new byte[] {23, 3, 3});
        assertEquals(503, refused.status());
        assertEquals("1", refused.headers().first("retry-after").orElseThrow());
        assertTrue(new String(refused.content()).contains("session store is unavailable"));
        assertEquals(before, steps.count(), "nothing was forwarded to an enclave");
    }
}
