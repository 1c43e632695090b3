package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.base.SecretBytes;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.client.session.TokenWallet;
import dev.cloister.enclave.Enclave;
import dev.cloister.enclave.EnclaveSession;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.tokens.AccountFile;
import dev.cloister.operator.tokens.IssuerVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.ohttp.KeyConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
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
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The private session's promises, on one loopback deployment with three simulated enclaves: fail closed before user
 * data, privacy (what the gateway sees, canaries, wiped buffers, no files), non-targetability, and faults.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivateSessionPropertiesTest {

    private static final String CANARY = "CANARY-7f3a the surprise party is at Carol's on Friday";

    @TempDir
    static Path dir;

    static Vertx vertx;
    static PrometheusMeterRegistry registry;
    static LocalDeployment deployment;
    static ListAppender<ILoggingEvent> logs;
    static final List<Map<String, String>> gatewaySaw = new CopyOnWriteArrayList<>();
    static final List<EnclaveSession> sessions = new CopyOnWriteArrayList<>();

    static List<CloisterClient.Message> chat(String text) {
        return List.of(
                new CloisterClient.Message("m1", "Alice", Instant.parse("2026-11-28T09:00:00Z"), text),
                new CloisterClient.Message("m2", "Bob", Instant.parse("2026-11-28T09:01:00Z"), "See you there."));
    }

    @BeforeAll
    static void start() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs = new ListAppender<>();
        logs.setContext(context);
        logs.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        deployment = LocalDeployment.start(
                vertx,
                dir,
                registry,
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(3)
                        .withMaxOutputTokens(8));
        deployment.gateway().observeRequests(request -> {
            Map<String, String> seen = new HashMap<>();
            request.headers().forEach(h -> seen.put(h.getKey().toLowerCase(), h.getValue()));
            seen.put(":path", request.path());
            gatewaySaw.add(seen);
        });
        for (Enclave enclave : deployment.enclaves()) enclave.verticle().observeSessions(sessions::add);
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static SessionFailure failure(CloisterClient client, String text) {
        Exception e = assertThrows(
                Exception.class, () -> client.summarize(chat(text), "brief").await(60, TimeUnit.SECONDS));
        return assertInstanceOf(SessionFailure.class, e instanceof CompletionException ? e.getCause() : e);
    }

    private static int requestsReachingEnclaves() {
        return (int)
                sessions.stream().filter(s -> !s.plaintextBuffers().isEmpty()).count();
    }

    // --- Fail closed: every verification failure aborts before user data is sent, with its reason in the log ---

    @Test
    @Order(1)
    void anEnclaveRunningAnUnpublishedReleaseGetsNoData() {
        byte[] other = new byte[48];
        Arrays.fill(other, (byte) 0x42);
        RaTlsPolicy strict = RaTlsPolicy.acceptingReleases(
                deployment.cpu().insecurePolicy(),
                List.of(other),
                new RaTlsPolicy.RequireGpu(deployment.gpu().insecurePolicy(), Duration.ofMinutes(5)));
        int before = requestsReachingEnclaves();
        try (CloisterClient client = deployment
                .client()
                .attestation(strict, AttestationVerifier.create())
                .retries(0)
                .build()) {
            SessionFailure f = failure(client, CANARY);
            assertEquals(SessionFailure.Kind.ATTESTATION, f.kind());
            assertFalse(f.retryable());
            RequestLogEntry.Outcome outcome = outcomeOf(client);
            assertEquals("attestation", outcome.kind());
            assertTrue(outcome.reason().contains("CPU_EVIDENCE_REFUSED"), outcome.reason());
        }
        assertEquals(before, requestsReachingEnclaves(), "no request reached an enclave");
    }

    @Test
    @Order(2)
    void aGenuineSimulatedPlatformIsRefusedByTheDefaultVendorPolicy() {
        RaTlsPolicy vendorOnly = RaTlsPolicy.acceptingReleases(
                dev.cloister.attest.sevsnp.SevSnpPolicy.genuineAmd(),
                List.of(deployment.measurement()),
                new RaTlsPolicy.NoGpu());
        try (CloisterClient client = deployment
                .client()
                .attestation(vendorOnly, AttestationVerifier.create())
                .build()) {
            assertEquals(
                    SessionFailure.Kind.ATTESTATION, failure(client, CANARY).kind());
        }
    }

    @Test
    @Order(2)
    void anEnclaveBelowTheTcbFloorGetsNoDataAndTheReasonNamesBothValues() {
        // The simulated Genoa (SNP 21, microcode 72) under the floors a client ships for genuine AMD hardware (Genoa:
        // SNP 0x1B, microcode 0x56). The ledger's platform policy (the simulated TCB: bootloader 9) raises the
        // bootloader floor and cannot lower the others: the client applies the higher of each.
        int before = requestsReachingEnclaves();
        try (CloisterClient client = deployment
                .client()
                .platform(
                        deployment
                                .cpu()
                                .insecurePolicy()
                                .withMinimumTcb(new dev.cloister.attest.ReferenceValue.MinimumTcb(
                                        dev.cloister.attest.sevsnp.TcbFloors.shipped())),
                        new RaTlsPolicy.RequireGpu(deployment.gpu().insecurePolicy(), Duration.ofMinutes(5)),
                        AttestationVerifier.create())
                .retries(0)
                .build()) {
            SessionFailure f = failure(client, CANARY);
            assertEquals(SessionFailure.Kind.ATTESTATION, f.kind());
            RequestLogEntry.Outcome outcome = outcomeOf(client);
            assertTrue(outcome.reason().contains("TCB below minimum for Genoa"), outcome.reason());
            assertTrue(outcome.reason().contains("at least bl=9 tee=0 snp=27 ucode=86"), outcome.reason());
            assertTrue(outcome.reason().contains("got bl=9 tee=0 snp=21 ucode=72"), outcome.reason());
        }
        assertEquals(before, requestsReachingEnclaves(), "no request reached an enclave");
    }

    @Test
    @Order(3)
    void aKeyTheClientsLedgerDoesNotVouchForIsNeverUsed() throws Exception {
        Ed25519NoteSigner otherLog =
                new Ed25519NoteSigner("ledger.cloister.invalid/demo", Ed25519PrivateKey.generate(new SecureRandom()));
        try (CloisterClient client = deployment
                .client()
                .ledger(
                        new LogIdentity("ledger.cloister.invalid/demo", otherLog.verifier()),
                        WitnessPolicy.none(),
                        deployment.ledgerUrl())
                .build()) {
            SessionFailure f = failure(client, CANARY);
            assertEquals(SessionFailure.Kind.KEY_CONSISTENCY, f.kind());
            assertEquals("key-consistency", outcomeOf(client).kind());
        }
        Cosigner stranger = new Cosigner("stranger.example", Ed25519PrivateKey.generate(new SecureRandom()));
        CloisterClient.Builder witnessed = deployment.client();
        try (CloisterClient client = witnessed
                .ledger(
                        currentLog(),
                        WitnessPolicy.quorum(1, List.of(stranger.verifier()), Duration.ofHours(1)),
                        deployment.ledgerUrl())
                .build()) {
            assertEquals(
                    SessionFailure.Kind.KEY_CONSISTENCY, failure(client, CANARY).kind());
        }
    }

    @Test
    @Order(4)
    void anAccountTheIssuerRefusesGetsNoSession() {
        try (CloisterClient client = deployment
                .client()
                .issuer(deployment.issuer(), "nobody", LocalDeployment.challenge())
                .build()) {
            SessionFailure f = failure(client, CANARY);
            assertEquals(SessionFailure.Kind.TOKEN, f.kind());
            assertEquals("token", outcomeOf(client).kind());
        }
    }

    @Test
    @Order(5)
    void tokensAreFetchedInTheBackgroundNeverByTheRequestThatNeedsThem() throws Exception {
        TokenWallet wallet = deployment.tokenWallet(4, new TokenWallet.Refill(2, Duration.ofMillis(300)));
        assertEquals(0, wallet.available());
        // Three requests find the wallet empty: they wait for one background refill, and none fetches its own batch.
        List<Token> taken = Future.all(wallet.take(), wallet.take(), wallet.take())
                .await(30, TimeUnit.SECONDS)
                .list();
        assertEquals(3, taken.stream().distinct().count());
        // One token is left, below the reserve of 2: the wallet refills by itself, once, with no request waiting.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (wallet.available() != 5 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(5, wallet.available(), "one token left plus one background batch of 4");
        Thread.sleep(600);
        assertEquals(5, wallet.available(), "above the reserve: no further refill");
    }

    @Test
    @Order(5)
    void tokensComeOnlyUnderAnIssuerKeyTheLedgerHolds() throws Exception {
        // The deployment's issuer publishes its keys: a wallet says which ledger entry vouched for the key.
        TokenWallet wallet = deployment.tokenWallet(2);
        wallet.prefetch().await(30, TimeUnit.SECONDS);
        assertEquals(2, wallet.available());
        assertEquals(LocalDeployment.ISSUER_NAME, wallet.issuerKey().entry().issuerName());
        assertTrue(wallet.issuerKey().entry().validAt(Instant.now()));
        assertEquals(2, wallet.issuerKey().cosignatures().size());

        // A rogue issuer with keys of its own, serving the genuine issuer's ledger proofs beside them, gets no request.
        Path rogueDir = Files.createTempDirectory("rogue-issuer-");
        WebClient web = WebClient.create(vertx);
        try {
            byte[] seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            EpochKeySchedule rogueKeys = new EpochKeySchedule(
                    new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                    new EpochKeySource.Derived(SecretBytes.copyOf(seed)),
                    new InsecureLocalKeyPublication(),
                    Duration.ofHours(1));
            Path accounts = Files.writeString(rogueDir.resolve("accounts"), LocalDeployment.ACCOUNT + "\n");
            KeyProofs genuine = KeyProofs.decode(web.getAbs(deployment
                            .issuer()
                            .resolve(TokenWallet.KEY_PROOFS_PATH)
                            .toString())
                    .send()
                    .await(10, TimeUnit.SECONDS)
                    .body()
                    .getBytes());
            assertKeysThatRedeemNow(genuine, Instant.now());
            PrometheusMeterRegistry rogueMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            IssuerVerticle rogue = new IssuerVerticle(
                    new ListenAddress("127.0.0.1", 0),
                    rogueKeys,
                    AccountFile.load(accounts),
                    100,
                    64,
                    "https://" + LocalDeployment.ISSUER_NAME + "/token-request",
                    () -> genuine,
                    rogueMetrics,
                    Clock.systemUTC());
            String id = vertx.deployVerticle(rogue).await(10, TimeUnit.SECONDS);
            int before = requestsReachingEnclaves();
            try (CloisterClient client = deployment
                    .client()
                    .issuer(
                            URI.create("http://127.0.0.1:" + rogue.actualPort()),
                            LocalDeployment.ACCOUNT,
                            LocalDeployment.challenge())
                    .retries(0)
                    .build()) {
                SessionFailure f = failure(client, CANARY);
                assertEquals(SessionFailure.Kind.TOKEN, f.kind());
                assertFalse(f.retryable());
                RequestLogEntry.Outcome outcome = outcomeOf(client);
                assertEquals("token", outcome.kind());
                assertTrue(
                        outcome.reason().contains("not vouched for by the ledger")
                                && outcome.reason().contains("no ledger entry for these key bytes"),
                        outcome.reason());
            }
            assertEquals(
                    0.0, rogueMetrics.counter("cloister.issuer.tokens.issued").count(), "no token was requested");
            assertEquals(before, requestsReachingEnclaves(), "no request reached an enclave");
            vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        } finally {
            web.close();
            try (Stream<Path> files = Files.walk(rogueDir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }

        // The genuine issuer's keys, for tokens of another issuer name: refused as well.
        try (CloisterClient client = deployment
                .client()
                .issuer(
                        deployment.issuer(),
                        LocalDeployment.ACCOUNT,
                        TokenChallenge.of(
                                TokenType.VOPRF_P384_SHA384,
                                "another-issuer.invalid",
                                new byte[0],
                                List.of(LocalDeployment.ORIGIN)))
                .retries(0)
                .build()) {
            SessionFailure f = failure(client, CANARY);
            assertEquals(SessionFailure.Kind.TOKEN, f.kind());
            assertTrue(f.getMessage().contains("is for issuer " + LocalDeployment.ISSUER_NAME), f.getMessage());
        }
    }

    // --- Privacy ---

    @Test
    @Order(10)
    void aSessionLeavesNoPlaintextBehind() throws Exception {
        Set<Path> before = files(dir);
        sessions.clear();
        gatewaySaw.clear();
        // Looser limits than the enclave's: the over-long draft reaches the enclave, which refuses it.
        try (CloisterClient client = deployment
                .client()
                .requestLimits(new dev.cloister.protocol.AssistantRequest.Limits(1 << 20, 1000, 1 << 20))
                .build()) {
            CloisterClient.Answer answer =
                    client.summarize(chat(CANARY), "brief").await(60, TimeUnit.SECONDS);
            assertEquals("ok", answer.logEntry().outcome().result());
            // An enclave refusal is reported without echoing the input.
            Exception refused = assertThrows(
                    Exception.class,
                    () -> client.rewrite(CANARY + " " + "x".repeat(9000), "formal")
                            .await(60, TimeUnit.SECONDS));
            assertFalse(String.valueOf(refused.getMessage()).contains("CANARY"), refused.getMessage());
            assertFalse(client.requestLog().exportJsonLines().contains("CANARY"));
        }
        // The enclave's buffers: registered, and all zero once the session ended.
        List<EnclaveSession> answered =
                sessions.stream().filter(s -> !s.plaintextBuffers().isEmpty()).toList();
        assertEquals(2, answered.size());
        for (EnclaveSession session : answered) {
            assertTrue(session.isWiped());
            for (byte[] buffer : session.plaintextBuffers()) {
                for (byte b : buffer) assertEquals(0, b, "a plaintext buffer was left behind");
            }
        }
        // No log line, metric or file carries the canary; the enclave wrote no file.
        for (ILoggingEvent event : logs.list) {
            assertFalse(event.getFormattedMessage().contains("CANARY"), event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                assertFalse(event.getThrowableProxy().getMessage() != null
                        && event.getThrowableProxy().getMessage().contains("CANARY"));
            }
        }
        assertFalse(registry.scrape().contains("CANARY"));
        Set<Path> after = files(dir);
        after.removeAll(before);
        assertEquals(Set.of(), after, "files appeared outside the ledger, witnesses and spent-token store");
        // The gateway saw OHTTP from the relay only: no client address headers, no client headers.
        assertFalse(gatewaySaw.isEmpty());
        for (Map<String, String> seen : gatewaySaw) {
            for (String forbidden : List.of(
                    "forwarded", "x-forwarded-for", "x-real-ip", "user-agent", "cookie", "authorization", "via")) {
                assertFalse(seen.containsKey(forbidden), "the gateway received " + forbidden);
            }
            assertTrue(seen.get(":path").startsWith("/gateway")
                    || seen.get(":path").startsWith("/ohttp-keys"));
        }
    }

    // --- Non-targetability ---

    @Test
    @Order(20)
    void enclaveChoiceIsUniformAndCannotBeNamed() throws Exception {
        // The pool's choice: 30,000 picks among three members, chi-square with 2 degrees of freedom, p = 0.001.
        EnclavePool pool = deployment.pool();
        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 30_000; i++) picks.merge(pool.pick().orElseThrow().id(), 1, Integer::sum);
        assertEquals(3, picks.size());
        assertTrue(chiSquare(picks.values(), 30_000) < 13.82, "pool choice not uniform: " + picks);
        // End to end: sessions spread over every enclave.
        long[] before = deployment.enclaves().stream()
                .mapToLong(e -> e.verticle().answeredSessions())
                .toArray();
        try (CloisterClient client = deployment.client().build()) {
            for (int i = 0; i < 30; i++)
                client.rewrite("hello there " + i, "friendly").await(60, TimeUnit.SECONDS);
        }
        List<Integer> served = new ArrayList<>();
        for (int i = 0; i < before.length; i++) {
            served.add((int) (deployment.enclaves().get(i).verticle().answeredSessions() - before[i]));
        }
        assertEquals(30, served.stream().mapToInt(Integer::intValue).sum());
        assertTrue(chiSquare(served, 30) < 13.82, "sessions not spread uniformly: " + served);
        // A client can only present handles the gateway minted: a forged one is refused.
        try (ObliviousHttpClient ohttp = new ObliviousHttpClient(vertx, deployment.relay(), Duration.ofSeconds(10))) {
            KeyConfig key = ohttp.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            BinaryResponse forged = ohttp.send(
                            key,
                            BinaryRequest.of(
                                    "POST",
                                    "https",
                                    LocalDeployment.ORIGIN,
                                    "/v1/sessions/AAAAAAAAAAAAAAAAAAAAAA",
                                    FieldSection.EMPTY,
                                    new byte[] {22, 3, 1}))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(404, forged.status());
        }
    }

    private static double chiSquare(java.util.Collection<Integer> counts, int total) {
        double expected = (double) total / counts.size();
        return counts.stream()
                .mapToDouble(c -> (c - expected) * (c - expected) / expected)
                .sum();
    }

    // --- Faults ---

    @Test
    @Order(30)
    void theGatewayRestartedSpendsNoTokenTwice() throws Exception {
        TokenWallet wallet = deployment.tokenWallet(1);
        Token token = wallet.take().await(30, TimeUnit.SECONDS);
        try (ObliviousHttpClient ohttp = new ObliviousHttpClient(vertx, deployment.relay(), Duration.ofSeconds(10))) {
            KeyConfig key = ohttp.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            BinaryRequest open = BinaryRequest.of(
                    "POST",
                    "https",
                    LocalDeployment.ORIGIN,
                    "/v1/sessions",
                    FieldSection.of("authorization", PrivateTokenCredentials.format(token)),
                    hello());
            assertEquals(201, ohttp.send(key, open).await(30, TimeUnit.SECONDS).status());
            deployment.restartGateway();
            BinaryResponse again = ohttp.send(key, open).await(30, TimeUnit.SECONDS);
            assertEquals(401, again.status(), "a token spent before the restart is refused after it");
        }
    }

    @Test
    @Order(31)
    void overloadIsA503WithRetryAfter() throws Exception {
        for (EnclavePool.Member member : deployment.pool().members())
            deployment.pool().remove(member.id());
        TokenWallet wallet = deployment.tokenWallet(1);
        try (ObliviousHttpClient ohttp = new ObliviousHttpClient(vertx, deployment.relay(), Duration.ofSeconds(10))) {
            KeyConfig key = ohttp.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            BinaryResponse busy = ohttp.send(
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
                                    hello()))
                    .await(30, TimeUnit.SECONDS);
            assertEquals(503, busy.status());
            assertEquals("1", busy.headers().first("retry-after").orElseThrow());
        }
        try (CloisterClient client = deployment.client().retries(0).build()) {
            SessionFailure f = failure(client, "hello");
            assertTrue(f.retryable(), f.getMessage());
            assertEquals(Optional.of(Duration.ofSeconds(1)), f.retryAfter(), "the gateway's Retry-After");
        }
        // The SDK's retry waits what the gateway asked for before it opens a fresh session.
        try (CloisterClient client = deployment.client().retries(1).build()) {
            long started = System.nanoTime();
            SessionFailure f = failure(client, "hello");
            assertTrue(f.retryable(), f.getMessage());
            assertTrue(
                    System.nanoTime() - started >= TimeUnit.SECONDS.toNanos(1),
                    "the retry waited the gateway's Retry-After");
        }
        deployment.readmitAll();
        assertEquals(3, deployment.pool().members().size());
    }

    @Test
    @Order(32)
    void anEnclaveKilledMidSessionIsACleanErrorAndAFreshSessionSucceeds() throws Exception {
        // Open a session by hand (handshake done, attested), then kill the enclave that holds it.
        RaTlsClient tls = RaTlsClient.create(
                deployment.attestationPolicy(),
                AttestationVerifier.create(),
                KeyExchange.X25519,
                Optional.empty(),
                Duration.ofSeconds(10),
                Clock.systemUTC(),
                new SecureRandom());
        TokenWallet wallet = deployment.tokenWallet(1);
        try (ObliviousHttpClient ohttp = new ObliviousHttpClient(vertx, deployment.relay(), Duration.ofSeconds(10))) {
            KeyConfig key = ohttp.fetchKeys(deployment.keyDirectory().resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            // Which enclave holds the session: the one whose open-session count grew. The gateway's periodic
            // re-attestation also opens (short) sessions, so retry until exactly one enclave grew.
            RaTlsConnection connection = null;
            BinaryResponse first = null;
            int holder = -1;
            for (int attempt = 0; attempt < 5 && holder < 0; attempt++) {
                connection = tls.connect();
                long[] open = deployment.enclaves().stream()
                        .mapToLong(e -> e.verticle().openSessions())
                        .toArray();
                first = ohttp.send(
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
                assertEquals(201, first.status());
                connection.receive(first.content());
                assertTrue(connection.isHandshakeComplete());
                int grew = 0;
                int candidate = -1;
                for (int i = 0; i < open.length; i++) {
                    if (deployment.enclaves().get(i).verticle().openSessions() > open[i]) {
                        grew++;
                        candidate = i;
                    }
                }
                if (grew == 1) holder = candidate;
            }
            assertNotEquals(-1, holder, "one enclave holds the session");
            deployment.killEnclave(holder);
            connection.send(BinaryRequest.of(
                            "POST",
                            "https",
                            "enclave",
                            "/v1/rewrite",
                            FieldSection.EMPTY,
                            "{\"draft\":\"hi\",\"tone\":\"formal\"}".getBytes())
                    .encode());
            String handle = first.headers().first("session").orElseThrow();
            BinaryResponse lost = ohttp.send(
                            key,
                            BinaryRequest.of(
                                    "POST",
                                    "https",
                                    LocalDeployment.ORIGIN,
                                    "/v1/sessions/" + handle,
                                    FieldSection.EMPTY,
                                    connection.takeOutgoing()))
                    .await(30, TimeUnit.SECONDS);
            assertEquals(503, lost.status(), "the client learns its session is gone, and may retry");
            assertEquals("1", lost.headers().first("retry-after").orElseThrow());
        }
        // The SDK retries on a fresh session and succeeds on a living enclave.
        try (CloisterClient client = deployment.client().build()) {
            assertEquals(
                    "ok",
                    client.rewrite("hello again", "friendly")
                            .await(60, TimeUnit.SECONDS)
                            .logEntry()
                            .outcome()
                            .result());
        }
    }

    private static byte[] hello() throws Exception {
        return RaTlsClient.create(
                        deployment.attestationPolicy(),
                        AttestationVerifier.create(),
                        KeyExchange.X25519,
                        Optional.empty(),
                        Duration.ofSeconds(10),
                        Clock.systemUTC(),
                        new SecureRandom())
                .connect()
                .takeOutgoing();
    }

    private static RequestLogEntry.Outcome outcomeOf(CloisterClient client) {
        List<io.vertx.core.json.JsonObject> entries = client.requestLog().entries();
        io.vertx.core.json.JsonObject outcome = entries.getLast().getJsonObject("outcome");
        return new RequestLogEntry.Outcome(
                outcome.getString("result"), outcome.getString("kind"), outcome.getString("reason"));
    }

    private static LogIdentity currentLog() {
        return deployment.logIdentity();
    }

    private static Set<Path> files(Path root) throws IOException {
        Set<String> others = Set.of("ledger", "spent-tokens", "witness-0", "witness-1", "sim", "accounts");
        try (Stream<Path> all = Files.walk(root)) {
            return new java.util.HashSet<>(all.filter(Files::isRegularFile)
                    .filter(p -> !others.contains(root.relativize(p).getName(0).toString()))
                    .toList());
        }
    }

    /**
     * The issuer serves the proofs of the keys that redeem: the current and the next epoch's, and in the first hour of
     * an epoch (the deployment's redemption grace) the previous epoch's once it was published again for a redemption.
     */
    private static void assertKeysThatRedeemNow(KeyProofs proofs, Instant now) throws Exception {
        List<IssuerKeyEntry> entries = new ArrayList<>();
        for (var proof : proofs.proofs()) {
            entries.add((IssuerKeyEntry)
                    LedgerEntry.decode(proof.extra().orElseThrow().toByteArray()));
        }
        IssuerKeyEntry current = entries.stream()
                .filter(e -> e.validAt(now))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no proof of the current epoch's key: " + entries));
        assertTrue(entries.stream().anyMatch(e -> e.notBefore().equals(current.notAfter())), "the next epoch's key");
        for (IssuerKeyEntry e : entries) {
            boolean previousInGrace = e.notAfter().equals(current.notBefore())
                    && now.isBefore(e.notAfter().plus(Duration.ofHours(1)));
            assertTrue(
                    e == current || e.notBefore().equals(current.notAfter()) || previousInGrace,
                    "a proof of a key that does not redeem now: " + e);
        }
        assertTrue(entries.size() <= 3, "one proof per key: " + entries);
    }
}
