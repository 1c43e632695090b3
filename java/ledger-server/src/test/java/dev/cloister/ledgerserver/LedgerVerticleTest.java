package dev.cloister.ledgerserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.log.Submission;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.EntryBundleId;
import dev.cloister.ledger.tiles.TileId;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger server on loopback with two witness servers: what an accepted submission gets back, each refusal with
 * its status and problem detail, and how tiles and entry bundles are served.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class LedgerVerticleTest {

    private static final String ORIGIN = "ledger.cloister.example/ledger-server-test";
    private static final long WAIT = 10;

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Cosigner> cosigners = new ArrayList<>();
    private Ed25519NoteSigner logKey;
    private Ed25519NoteSigner submitter;
    private LogStorage storage;
    private Sequencer sequencer;
    private WebClient web;
    private int port;

    @BeforeEach
    void keys() throws Exception {
        logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        submitter = new Ed25519NoteSigner("release-bot", Ed25519PrivateKey.generate(random));
        storage = LogStorage.open(dir.resolve("log"));
        sequencer = Sequencer.open(storage, ORIGIN, logKey);
    }

    /** Two witnesses on loopback, then the ledger, which sequences every 20 ms. */
    private void deploy(Vertx vertx) throws Exception {
        deploy(vertx, Duration.ofMillis(20), 65536);
    }

    /** Two witnesses on loopback, then the ledger, which sequences every {@code interval}. */
    private void deploy(Vertx vertx, Duration interval, int maxPending) throws Exception {
        List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Cosigner cosigner = new Cosigner("witness-" + i + ".example", Ed25519PrivateKey.generate(random));
            cosigners.add(cosigner);
            Witness witness = new Witness(
                    cosigner,
                    List.of(new LogIdentity(ORIGIN, logKey.verifier())),
                    new DirectoryCheckpointStore(dir.resolve("witness-" + i)));
            WitnessVerticle verticle =
                    new WitnessVerticle(new ListenAddress("127.0.0.1", 0), witness, Clock.systemUTC());
            vertx.deployVerticle(verticle).await(WAIT, TimeUnit.SECONDS);
            endpoints.add(new LedgerVerticle.WitnessEndpoint(
                    URI.create("http://127.0.0.1:" + verticle.actualPort()), cosigner.verifier()));
        }
        LedgerVerticle ledger = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                sequencer,
                storage,
                List.of(submitter.verifier()),
                endpoints,
                interval,
                registry,
                LedgerVerticle.Limits.DEFAULTS.withMaxPending(maxPending));
        vertx.deployVerticle(ledger).await(WAIT, TimeUnit.SECONDS);
        port = ledger.actualPort();
        web = WebClient.create(vertx);
    }

    private byte[] entry(int i) throws Exception {
        byte[] config = new byte[41];
        random.nextBytes(config);
        // Consecutive one-day windows: the ledger's key rules allow only a few OHTTP keys valid at once.
        Instant start = Instant.parse("2026-11-28T00:00:00Z").plus(Duration.ofDays(i));
        return new OhttpKeyConfigEntry(Bytes.of(config), start, start.plus(Duration.ofDays(1))).encode();
    }

    private String signature(byte[] entry, Ed25519NoteSigner as) throws Exception {
        return Base64.getEncoder().encodeToString(as.sign(Submission.signedBytes(entry)));
    }

    private Future<HttpResponse<Buffer>> submit(byte[] entry, String submitterName, String signature) throws Exception {
        var request = web.post(port, "127.0.0.1", "/add");
        if (submitterName != null) request.putHeader("Cloister-Submitter", submitterName);
        if (signature != null) request.putHeader("Cloister-Signature", signature);
        return request.sendBuffer(Buffer.buffer(entry));
    }

    private HttpResponse<Buffer> publish(byte[] entry) throws Exception {
        return submit(entry, submitter.name(), signature(entry, submitter)).await(WAIT, TimeUnit.SECONDS);
    }

    private HttpResponse<Buffer> get(HttpMethod method, String path) throws Exception {
        return web.request(method, port, "127.0.0.1", path).send().await(WAIT, TimeUnit.SECONDS);
    }

    private static void assertProblem(HttpResponse<Buffer> response, int status, String title) throws Exception {
        assertEquals(status, response.statusCode(), response::bodyAsString);
        assertEquals(Problem.MEDIA_TYPE, response.getHeader("content-type"));
        JsonObject problem = response.bodyAsJsonObject();
        assertEquals(status, problem.getInteger("status"));
        assertEquals("about:blank", problem.getString("type"));
        assertEquals(title, problem.getString("title"));
    }

    /**
     * Sends {@code request} as raw bytes (so no client rewrites its path) and returns everything the server wrote
     * before it closed the connection.
     */
    private String raw(Vertx vertx, byte[] request) throws Exception {
        Promise<String> closed = Promise.promise();
        Buffer received = Buffer.buffer();
        vertx.createNetClient()
                .connect(port, "127.0.0.1")
                .onFailure(closed::tryFail)
                .onSuccess(socket -> {
                    socket.handler(received::appendBuffer);
                    socket.closeHandler(v -> closed.tryComplete(received.toString(StandardCharsets.ISO_8859_1)));
                    socket.write(Buffer.buffer(request));
                });
        return closed.future().await(WAIT, TimeUnit.SECONDS);
    }

    @Test
    void limitsRefuseWhatCannotWork() {
        LedgerVerticle.Limits d = LedgerVerticle.Limits.DEFAULTS;
        for (Runnable bad : List.<Runnable>of(
                () -> d.withMaxConcurrentOhttpKeys(0),
                () -> d.withRecosignEvery(java.time.Duration.ZERO),
                () -> d.withRecosignEvery(java.time.Duration.ofSeconds(-1)),
                () -> d.withMaxPending(0))) {
            IllegalArgumentException refused =
                    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, bad::run);
            assertTrue(refused.getMessage().contains("must be at least 1")
                    || refused.getMessage().contains("is not positive"));
        }
        assertEquals(4, d.withMaxConcurrentOhttpKeys(4).maxConcurrentOhttpKeys());
    }

    @Test
    void anAcceptedSubmissionGetsAProofThatVerifiesAgainstTheWitnessedCheckpoint(Vertx vertx) throws Exception {
        deploy(vertx);
        byte[] entry = entry(0);
        HttpResponse<Buffer> answer = publish(entry);
        assertEquals(200, answer.statusCode(), answer::bodyAsString);
        assertEquals(LedgerVerticle.PROOF_MEDIA_TYPE, answer.getHeader("content-type"));
        assertEquals("0", answer.getHeader("Cloister-Entry-Index"));

        TlogProof proof = TlogProof.parse(answer.body().getBytes());
        WitnessPolicy bothWitnesses = WitnessPolicy.quorum(
                2, cosigners.stream().map(Cosigner::verifier).toList(), Duration.ofMinutes(5));
        LogIdentity log = new LogIdentity(ORIGIN, logKey.verifier());
        TlogProof.Verified verified = proof.verify(TreeHash.leafHash(entry), log, bothWitnesses, Instant.now());
        assertEquals(0, verified.index());
        assertEquals(1, verified.checkpoint().checkpoint().size());
        assertEquals(2, verified.cosignatures().size(), "cosigned by both witnesses");

        // The proof does not verify for another entry, and the served checkpoint is the witnessed one.
        assertThrowsLedger(() -> proof.verify(TreeHash.leafHash(entry(1)), log, bothWitnesses, Instant.now()));
        HttpResponse<Buffer> checkpoint = get(HttpMethod.GET, "/checkpoint");
        assertEquals("no-cache", checkpoint.getHeader("cache-control"));
        assertArrayEquals(proof.checkpoint().encode(), checkpoint.body().getBytes());
        assertEquals(1.0, registry.counter("cloister.ledger.entries.appended").count());
    }

    @Test
    void aSubmissionWhileTheQueueIsFullGets503WithRetryAfter(Vertx vertx) throws Exception {
        // One submission may wait, and none is appended for an hour: the first one admitted holds the queue full.
        deploy(vertx, Duration.ofHours(1), 1);
        byte[] one = entry(0);
        byte[] two = entry(1);
        Future<HttpResponse<Buffer>> first = submit(one, submitter.name(), signature(one, submitter));
        Future<HttpResponse<Buffer>> second = submit(two, submitter.name(), signature(two, submitter));

        // Whichever the ledger took first waits in the queue; the other is refused at once.
        Future.any(first, second).await(WAIT, TimeUnit.SECONDS);
        HttpResponse<Buffer> refusal = first.isComplete() ? first.result() : second.result();
        Future<HttpResponse<Buffer>> held = first.isComplete() ? second : first;
        assertProblem(refusal, 503, "service unavailable");
        assertEquals("1", refusal.getHeader("Retry-After"));
        assertFalse(held.isComplete(), "the admitted submission waits for its batch");

        HttpResponse<Buffer> again = publish(entry(2));
        assertProblem(again, 503, "service unavailable");
        assertEquals("1", again.getHeader("Retry-After"));
        assertFalse(held.isComplete(), "the admitted submission still waits");
        assertEquals(
                2.0, registry.counter("cloister.ledger.submissions.refused").count());
        assertEquals(0.0, registry.counter("cloister.ledger.entries.appended").count());
    }

    private static void assertThrowsLedger(org.junit.jupiter.api.function.Executable executable) throws Exception {
        org.junit.jupiter.api.Assertions.assertThrows(dev.cloister.ledger.LedgerException.class, executable);
    }

    @Test
    void theSameEntryTwiceGetsTheSameIndexAndIsAppendedOnce(Vertx vertx) throws Exception {
        deploy(vertx);
        byte[] entry = entry(0);
        // Two at once (one waits for the other's index), then a replay once the entry is in the log.
        List<Future<HttpResponse<Buffer>>> together = List.of(
                submit(entry, submitter.name(), signature(entry, submitter)),
                submit(entry, submitter.name(), signature(entry, submitter)));
        Future.all(together).await(WAIT, TimeUnit.SECONDS);
        HttpResponse<Buffer> replay = publish(entry);
        HttpResponse<Buffer> other = publish(entry(1));
        for (HttpResponse<Buffer> answer :
                List.of(together.get(0).result(), together.get(1).result(), replay)) {
            assertEquals(200, answer.statusCode(), answer::bodyAsString);
            assertEquals("0", answer.getHeader("Cloister-Entry-Index"));
            assertEquals(0, TlogProof.parse(answer.body().getBytes()).index());
        }
        assertEquals("1", other.getHeader("Cloister-Entry-Index"));
        assertEquals(2, sequencer.size(), "the duplicate appended nothing");
        assertEquals(2.0, registry.counter("cloister.ledger.entries.appended").count());
    }

    private static byte[] issuerKey(int key, Instant from, Instant to) {
        return new dev.cloister.ledger.entry.IssuerKeyEntry(
                        0x0001, "issuer.example", Bytes.of(new byte[] {(byte) key, 1, 2, 3}), from, to)
                .encode();
    }

    @Test
    void aSecondIssuerKeyForAnOverlappingEpochIsRefusedWith409(Vertx vertx) throws Exception {
        deploy(vertx);
        Instant epoch = Instant.parse("2026-12-06T00:00:00Z");
        byte[] first = issuerKey(1, epoch, epoch.plus(Duration.ofDays(1)));
        assertEquals(200, publish(first).statusCode());
        HttpResponse<Buffer> second =
                publish(issuerKey(2, epoch.plus(Duration.ofHours(12)), epoch.plus(Duration.ofDays(2))));
        assertEquals(409, second.statusCode());
        String title = second.bodyAsJsonObject().getString("title");
        assertTrue(
                title.startsWith("the entry breaks the ledger's key rules: issuer issuer.example already logged"),
                title);
        assertEquals(200, publish(first).statusCode(), "the same entry again is not a second key");
        assertEquals(
                200,
                publish(issuerKey(3, epoch.plus(Duration.ofDays(1)), epoch.plus(Duration.ofDays(2))))
                        .statusCode(),
                "the next epoch");
    }

    @Test
    void theKeyRulesCoverWhatWasLoggedBeforeTheLedgerStarted(Vertx vertx) throws Exception {
        Instant epoch = Instant.parse("2026-11-28T00:00:00Z"); // the window of entry(0)
        sequencer.append(List.of(issuerKey(1, epoch, epoch.plus(Duration.ofDays(1)))));
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] config = new byte[41];
            random.nextBytes(config);
            keys.add(new OhttpKeyConfigEntry(Bytes.of(config), epoch, epoch.plus(Duration.ofDays(1))).encode());
        }
        sequencer.append(keys);
        deploy(vertx);
        assertEquals(
                409,
                publish(issuerKey(2, epoch, epoch.plus(Duration.ofDays(1)))).statusCode());
        HttpResponse<Buffer> fifth = publish(entry(0));
        assertEquals(409, fifth.statusCode());
        String title = fifth.bodyAsJsonObject().getString("title");
        assertTrue(
                title.contains("5 OHTTP key configurations would be valid (entry 1, entry 2, entry 3, entry 4"), title);
    }

    @Test
    void submissionsFromUnknownSubmittersOrWithBadSignaturesAreRefusedWith401(Vertx vertx) throws Exception {
        deploy(vertx);
        byte[] entry = entry(0);
        Ed25519NoteSigner stranger = new Ed25519NoteSigner("stranger", Ed25519PrivateKey.generate(random));
        assertProblem(
                submit(entry, stranger.name(), signature(entry, stranger)).await(WAIT, TimeUnit.SECONDS),
                401,
                "unknown submitter");
        assertProblem(
                submit(entry, null, signature(entry, submitter)).await(WAIT, TimeUnit.SECONDS),
                401,
                "unknown submitter");
        assertProblem(submit(entry, submitter.name(), null).await(WAIT, TimeUnit.SECONDS), 401, "unknown submitter");

        Ed25519NoteSigner impostor = new Ed25519NoteSigner("release-bot", Ed25519PrivateKey.generate(random));
        assertProblem(
                submit(entry, submitter.name(), signature(entry, impostor)).await(WAIT, TimeUnit.SECONDS),
                401,
                "submission signature does not verify");
        assertProblem(
                submit(entry, submitter.name(), signature(entry(1), submitter)).await(WAIT, TimeUnit.SECONDS),
                401,
                "submission signature does not verify");
        assertProblem(
                submit(entry, submitter.name(), "not base64!").await(WAIT, TimeUnit.SECONDS),
                401,
                "submission signature does not verify");
        assertEquals(0, sequencer.size());
        assertEquals(
                6.0, registry.counter("cloister.ledger.submissions.refused").count());
    }

    @Test
    void aSignedSubmissionThatIsNotACanonicalEntryIsRefusedWith400(Vertx vertx) throws Exception {
        deploy(vertx);
        byte[] entry = entry(0);
        byte[] trailing = Arrays.copyOf(entry, entry.length + 1);
        byte[] junk = {9, 9, 9};
        for (byte[] bad : List.of(trailing, junk, new byte[0])) {
            assertProblem(
                    submit(bad, submitter.name(), signature(bad, submitter)).await(WAIT, TimeUnit.SECONDS),
                    400,
                    "not a canonical Cloister ledger entry");
        }
        assertEquals(0, sequencer.size());
    }

    @Test
    void anOversizedSubmissionIsRefusedWith413AndItsConnectionClosed(Vertx vertx) throws Exception {
        deploy(vertx);
        byte[] head = ("POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nCloister-Submitter: release-bot\r\n"
                        + "Cloister-Signature: AAAA\r\nContent-Length: 70000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + 70_000);
        // raw() returns only once the server has closed the connection (the client never closes it).
        String response = raw(vertx, request);
        assertTrue(response.startsWith("HTTP/1.1 413 "), response);
        assertTrue(response.toLowerCase().contains("connection: close"), response);
        assertTrue(response.endsWith(Problem.TOO_LARGE.toJson().encode()), response);
        assertEquals(0, sequencer.size());
    }

    @Test
    void wrongMethodsGet405WithAllowAndUnknownPaths404(Vertx vertx) throws Exception {
        deploy(vertx);
        HttpResponse<Buffer> getAdd = get(HttpMethod.GET, "/add");
        assertProblem(getAdd, 405, "method not allowed");
        assertEquals("POST", getAdd.getHeader("allow"));
        for (String path : List.of("/checkpoint", "/tile/0/000", "/elsewhere")) {
            HttpResponse<Buffer> post = web.post(port, "127.0.0.1", path)
                    .sendBuffer(Buffer.buffer("x"))
                    .await(WAIT, TimeUnit.SECONDS);
            assertProblem(post, 405, "method not allowed");
            assertEquals("GET, HEAD", post.getHeader("allow"));
        }
        assertProblem(get(HttpMethod.DELETE, "/checkpoint"), 405, "method not allowed");
        assertProblem(get(HttpMethod.GET, "/"), 404, "not found");
        assertProblem(get(HttpMethod.GET, "/checkpoint/"), 404, "not found");
        assertProblem(get(HttpMethod.GET, "/add-checkpoint"), 404, "not found");
    }

    @Test
    void onlyCanonicalTilePathsAreServedAndNoneEscapesTheLogDirectory(Vertx vertx) throws Exception {
        sequencer.append(List.of(entry(0)));
        // What a path escape would read: a file in the log directory, and one beside it.
        Files.writeString(storage.root().resolve("x"), "inside but not a tile");
        Files.writeString(dir.resolve("x"), "outside the log");
        deploy(vertx);
        assertEquals(200, get(HttpMethod.GET, "/tile/0/000.p/1").statusCode(), "the canonical path is served");
        for (String path : List.of(
                "/tile/0/0",
                "/tile/0/x000/000.p/1",
                "/tile/0/000.p/01",
                "/tile/00/000.p/1",
                "/tile/0/000.p/1/",
                "/tile/0/000.p/256",
                "/tile/entries/000.p/0",
                "/tile/64/000",
                "/tile/0/000", // canonical, but not written: the tile is partial
                "/tile/x")) {
            assertProblem(get(HttpMethod.GET, path), 404, "not found");
        }
        for (String path : List.of(
                "/tile/../x", "/tile/../../x", "/tile/0/../../x", "/tile/%2e%2e/x", "/tile/0/000.p/1/../../../x")) {
            String response = raw(
                    vertx,
                    ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertTrue(response.startsWith("HTTP/1.1 404 "), path + ": " + response);
            assertFalse(response.contains("inside") || response.contains("outside"), response);
        }
    }

    @Test
    void tilesAndEntryBundlesAreServedWithCacheHeadersForTheirPermanence(Vertx vertx) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 257; i++) entries.add(entry(i));
        sequencer.append(entries);
        deploy(vertx);
        String immutable = "public, max-age=31536000, immutable";
        String shortLived = "public, max-age=60";
        record Expected(String path, String cacheControl) {}
        for (Expected e : List.of(
                new Expected(TileId.full(0, 0).path(), immutable),
                new Expected(new EntryBundleId(0, 256).path(), immutable),
                new Expected(new TileId(0, 1, 1).path(), shortLived),
                new Expected(new TileId(1, 0, 1).path(), shortLived),
                new Expected(new EntryBundleId(1, 1).path(), shortLived))) {
            HttpResponse<Buffer> tile = get(HttpMethod.GET, "/" + e.path());
            assertEquals(200, tile.statusCode(), e.path());
            assertEquals(e.cacheControl(), tile.getHeader("cache-control"), e.path());
            assertEquals("application/octet-stream", tile.getHeader("content-type"), e.path());
            assertArrayEquals(storage.fetch(e.path()), tile.body().getBytes(), e.path());
        }
        HttpResponse<Buffer> head = get(HttpMethod.HEAD, "/" + TileId.full(0, 0).path());
        assertEquals(200, head.statusCode());
        assertEquals(immutable, head.getHeader("cache-control"));
        assertTrue(head.body() == null || head.body().length() == 0, "HEAD has no body");

        HttpResponse<Buffer> checkpoint = get(HttpMethod.GET, "/checkpoint");
        assertEquals("no-cache", checkpoint.getHeader("cache-control"));
        String text = new String(SignedNote.parse(checkpoint.body().getBytes()).text(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith(ORIGIN + "\n257\n"), text);
        assertArrayEquals(sequencer.checkpoint().encode(), checkpoint.body().getBytes());
        assertProblem(get(HttpMethod.GET, "/" + TileId.full(0, 2).path()), 404, "not found");
    }
}
