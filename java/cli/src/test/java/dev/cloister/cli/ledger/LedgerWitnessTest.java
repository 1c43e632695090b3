package dev.cloister.cli.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.LogConsistencyException;
import dev.cloister.ledger.PolicyException;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.log.Submission;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.KeyFiles;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.tiles.TileSource;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.ledgerserver.WitnessVerticle;
import dev.cloister.server.ListenAddress;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger and three witnesses on loopback: entries published over HTTP come back with proofs that a client verifies
 * under a 2-of-3 witness policy; a forked or rolled-back log is noticed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class LedgerWitnessTest {

    private static final String ORIGIN = "ledger.cloister.example/test";

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private Ed25519NoteSigner logKey;
    private Ed25519NoteSigner submitter;
    private final List<Cosigner> cosigners = new ArrayList<>();
    private final List<URI> witnessUrls = new ArrayList<>();
    private final List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
    private LedgerVerticle ledger;
    private String ledgerDeployment;
    private WebClient web;
    private String base;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        submitter = new Ed25519NoteSigner("release-bot", Ed25519PrivateKey.generate(random));
        for (int i = 0; i < 3; i++) {
            Cosigner cosigner = new Cosigner("witness-" + i + ".example", Ed25519PrivateKey.generate(random));
            cosigners.add(cosigner);
            Witness witness = new Witness(
                    cosigner,
                    List.of(new LogIdentity(ORIGIN, logKey.verifier())),
                    new DirectoryCheckpointStore(dir.resolve("witness-" + i)));
            WitnessVerticle verticle =
                    new WitnessVerticle(new ListenAddress("127.0.0.1", 0), witness, Clock.systemUTC());
            vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
            witnessUrls.add(URI.create("http://127.0.0.1:" + verticle.actualPort()));
            endpoints.add(new LedgerVerticle.WitnessEndpoint(witnessUrls.getLast(), cosigner.verifier()));
        }
        // A fourth, lying witness: it answers a forged cosignature under witness-0's name and junk. The ledger must
        // drop both, or every client's quorum check on the served checkpoint would fail.
        Cosigner liar = new Cosigner("liar.example", Ed25519PrivateKey.generate(random));
        byte[] forged = new byte[4 + 8 + 64];
        random.nextBytes(forged);
        System.arraycopy(
                java.nio.ByteBuffer.allocate(4)
                        .putInt(cosigners.getFirst().verifier().keyId())
                        .array(),
                0,
                forged,
                0,
                4);
        var lying = vertx.createHttpServer()
                .requestHandler(r -> r.body()
                        .onSuccess(b -> r.response()
                                .end("\u2014 witness-0.example "
                                        + Base64.getEncoder().encodeToString(forged) + "\nnot a signature line\n")))
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        endpoints.add(new LedgerVerticle.WitnessEndpoint(
                URI.create("http://127.0.0.1:" + lying.actualPort()), liar.verifier()));
        LogStorage storage = LogStorage.open(dir.resolve("log"));
        ledger = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                Sequencer.open(storage, ORIGIN, logKey),
                storage,
                List.of(submitter.verifier()),
                endpoints,
                Duration.ofMillis(100),
                registry);
        ledgerDeployment = vertx.deployVerticle(ledger).await(10, TimeUnit.SECONDS);
        web = WebClient.create(vertx);
        base = "http://127.0.0.1:" + ledger.actualPort();
    }

    private byte[] entry(int i) {
        byte[] config = new byte[41];
        random.nextBytes(config);
        // Consecutive one-day windows: the ledger's key rules allow only a few OHTTP keys valid at once.
        Instant start = Instant.parse("2026-11-28T00:00:00Z").plus(Duration.ofDays(i));
        return new OhttpKeyConfigEntry(Bytes.of(config), start, start.plus(Duration.ofDays(1))).encode();
    }

    private Future<HttpResponse<Buffer>> publish(byte[] entry, Ed25519NoteSigner as) {
        return web.postAbs(base + "/add")
                .putHeader("Cloister-Submitter", as.name())
                .putHeader(
                        "Cloister-Signature",
                        Base64.getEncoder().encodeToString(as.sign(Submission.signedBytes(entry))))
                .sendBuffer(Buffer.buffer(entry));
    }

    private WitnessPolicy twoOfThree() {
        return WitnessPolicy.quorum(
                2, cosigners.stream().map(Cosigner::verifier).toList(), Duration.ofMinutes(10));
    }

    /** The ledger's tiles over HTTP, as a client fetches them (the library's JDK-based source). */
    private TileSource http() {
        return new dev.cloister.ledger.tiles.HttpTileSource(URI.create(base), Duration.ofSeconds(10));
    }

    @Test
    void publishedEntriesComeBackWithProofsThatVerifyUnderTwoOfThreeWitnesses() throws Exception {
        List<byte[]> entries = new ArrayList<>();
        List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            entries.add(entry(i));
            answers.add(publish(entries.get(i), submitter));
        }
        Future.all(answers).await(30, TimeUnit.SECONDS);
        LogVerifier client = new LogVerifier(
                new LogIdentity(ORIGIN, logKey.verifier()), twoOfThree(), new InMemoryCheckpointStore());
        TileReader tiles = new TileReader(http());
        for (int i = 0; i < entries.size(); i++) {
            HttpResponse<Buffer> answer = answers.get(i).result();
            assertEquals(200, answer.statusCode(), answer::bodyAsString);
            assertEquals(LedgerVerticle.PROOF_MEDIA_TYPE, answer.getHeader("content-type"));
            TlogProof proof = TlogProof.parse(answer.body().getBytes());
            LogVerifier.Verified verified =
                    client.verifyInclusion(TreeHash.leafHash(entries.get(i)), proof, tiles, Instant.now());
            assertEquals(Long.parseLong(answer.getHeader("Cloister-Entry-Index")), verified.index());
            assertTrue(verified.cosignatures().size() >= 2, "cosigned by a quorum");
        }
        // The served checkpoint is the cosigned one, and every entry is readable back from the tiles.
        SignedNote checkpoint = SignedNote.parse(web.getAbs(base + "/checkpoint")
                .send()
                .await(10, TimeUnit.SECONDS)
                .body()
                .getBytes());
        var accepted = client.acceptLatest(checkpoint, tiles, Instant.now());
        assertEquals(20, accepted.checkpoint().size());
        long found = 0;
        for (int i = 0; i < 20; i++) {
            byte[] stored = tiles.entry(i, accepted.checkpoint());
            found += entries.stream()
                    .filter(e -> java.util.Arrays.equals(e, stored))
                    .count();
        }
        assertEquals(20, found);
    }

    @Test
    void anEntryAlreadyInTheLogIsAnsweredWithItsIndexAndAppendedOnce(Vertx vertx) throws Exception {
        byte[] entry = entry(1);
        // Two at once (the second waits for the first's index), one after, and a replay of the first submission.
        List<Future<HttpResponse<Buffer>>> first = List.of(publish(entry, submitter), publish(entry, submitter));
        Future.all(first).await(30, TimeUnit.SECONDS);
        HttpResponse<Buffer> later = publish(entry, submitter).await(30, TimeUnit.SECONDS);
        HttpResponse<Buffer> other = publish(entry(2), submitter).await(30, TimeUnit.SECONDS);
        for (HttpResponse<Buffer> r :
                List.of(first.get(0).result(), first.get(1).result(), later)) {
            assertEquals(200, r.statusCode(), r::bodyAsString);
            assertEquals("0", r.getHeader("Cloister-Entry-Index"));
            TlogProof.parse(r.body().getBytes());
        }
        assertEquals("1", other.getHeader("Cloister-Entry-Index"));
        assertEquals(2.0, registry.counter("cloister.ledger.entries.appended").count());

        // After a restart the log's entries are indexed again: publishing again appends nothing.
        vertx.undeploy(ledgerDeployment).await(10, TimeUnit.SECONDS);
        LogStorage storage = LogStorage.open(dir.resolve("log"));
        LedgerVerticle restarted = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                Sequencer.open(storage, ORIGIN, logKey),
                storage,
                List.of(submitter.verifier()),
                endpoints,
                Duration.ofMillis(100),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx.deployVerticle(restarted).await(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + restarted.actualPort();
        HttpResponse<Buffer> again = publish(entry, submitter).await(30, TimeUnit.SECONDS);
        assertEquals("0", again.getHeader("Cloister-Entry-Index"));
        SignedNote checkpoint = SignedNote.parse(web.getAbs(base + "/checkpoint")
                .send()
                .await(10, TimeUnit.SECONDS)
                .body()
                .getBytes());
        String text = new String(checkpoint.text(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith(ORIGIN + "\n2\n"), text);
    }

    @Test
    void verifyProofCommandAcceptsTheProofAndRejectsTamperedOnes() throws Exception {
        byte[] entry = entry(7);
        HttpResponse<Buffer> answer = publish(entry, submitter).await(10, TimeUnit.SECONDS);
        Path proof = dir.resolve("entry.tlog-proof");
        java.nio.file.Files.write(proof, answer.body().getBytes());
        Path entryFile = dir.resolve("entry.bin");
        java.nio.file.Files.write(entryFile, entry);
        List<String> args = new ArrayList<>(List.of(
                "ledger",
                "verify-proof",
                "--log-vkey",
                logKey.verifier().verifierKey().encode(),
                "--quorum",
                "2",
                "--entry",
                entryFile.toString()));
        for (Cosigner c : cosigners) {
            args.add("--witness-vkey");
            args.add(c.verifier().verifierKey().encode());
        }
        args.add(proof.toString());
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.cloister.cli.Launcher());
        cli.setOut(new java.io.PrintWriter(out));
        assertEquals(0, cli.execute(args.toArray(String[]::new)), out::toString);
        assertTrue(out.toString().startsWith("verified: entry "));

        java.nio.file.Files.write(entryFile, entry(8));
        assertEquals(1, cli.execute(args.toArray(String[]::new)), "another entry's leaf is not included");
        java.nio.file.Files.write(entryFile, entry);
        byte[] tampered = answer.body().getBytes();
        tampered[tampered.length / 2] ^= 1;
        java.nio.file.Files.write(proof, tampered);
        assertEquals(1, cli.execute(args.toArray(String[]::new)), "a tampered proof is rejected");
    }

    @Test
    void publishCommandLogsAGatewaysKeyConfiguration(Vertx vertx) throws Exception {
        var keys = new dev.cloister.operator.gateway.KeyRotation(
                dev.cloister.wire.hpke.KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        var gateway = new dev.cloister.operator.gateway.GatewayVerticle(
                dev.cloister.operator.gateway.GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                keys,
                new dev.cloister.operator.gateway.EchoTarget(),
                registry,
                Clock.systemUTC());
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        Path submitterKey = dir.resolve("submitter.key");
        KeyFiles.writeSecret(submitterKey, submitter.encodeSecret());
        Path proof = dir.resolve("keys.tlog-proof");
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.cloister.cli.Launcher());
        cli.setOut(new java.io.PrintWriter(out));
        int code = cli.execute(
                "ledger",
                "publish",
                "--ledger",
                base,
                "--submitter-key",
                submitterKey.toString(),
                "--ohttp-keys",
                "http://127.0.0.1:" + gateway.actualPort() + "/ohttp-keys",
                "--proof-out",
                proof.toString());
        assertEquals(0, code, out::toString);
        TlogProof parsed = TlogProof.parse(java.nio.file.Files.readAllBytes(proof));
        TileReader tiles = new TileReader(http());
        SignedNote checkpoint = parsed.checkpoint();
        var verified = dev.cloister.ledger.checkpoint.SignedCheckpoint.open(
                checkpoint, new LogIdentity(ORIGIN, logKey.verifier()), List.of());
        byte[] stored = tiles.entry(parsed.index(), verified.checkpoint());
        var logged = (OhttpKeyConfigEntry) dev.cloister.ledger.entry.LedgerEntry.decode(stored);
        assertTrue(
                logged.keyConfig()
                        .contentEquals(keys.get().keys().getFirst().config().encode()),
                "the logged key configuration is the one the gateway serves");
    }

    @Test
    void httpTileSourceIsBoundedAndFailsClosed(Vertx vertx) throws Exception {
        var hostile = vertx.createHttpServer()
                .requestHandler(r -> {
                    switch (r.path()) {
                        case "/checkpoint" -> r.response().end(Buffer.buffer(new byte[2 << 20]));
                        case "/tile/0/000" -> r.response().setStatusCode(500).end();
                        default -> r.response().setStatusCode(404).end();
                    }
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        TileSource source = new dev.cloister.ledger.tiles.HttpTileSource(
                URI.create("http://127.0.0.1:" + hostile.actualPort()), Duration.ofSeconds(5));
        assertThrows(java.io.IOException.class, () -> source.fetch("checkpoint"), "a 2 MiB checkpoint is refused");
        assertThrows(java.io.IOException.class, () -> source.fetch("tile/0/000"));
        assertThrows(NoSuchFileException.class, () -> source.fetch("tile/0/001"));
        assertThrows(IllegalArgumentException.class, () -> source.fetch("../etc/passwd"));
    }

    @Test
    void aProofWithoutAQuorumOfTrustedWitnessesIsRefused() throws Exception {
        HttpResponse<Buffer> answer = publish(entry(1), submitter).await(10, TimeUnit.SECONDS);
        TlogProof proof = TlogProof.parse(answer.body().getBytes());
        List<CosignatureVerifier> strangers = List.of(
                new Cosigner("stranger-1", Ed25519PrivateKey.generate(random)).verifier(),
                new Cosigner("stranger-2", Ed25519PrivateKey.generate(random)).verifier());
        LogVerifier strict = new LogVerifier(
                new LogIdentity(ORIGIN, logKey.verifier()),
                WitnessPolicy.quorum(2, strangers, Duration.ofMinutes(10)),
                new InMemoryCheckpointStore());
        assertThrows(
                PolicyException.class,
                () -> strict.verifyInclusion(
                        TreeHash.leafHash(entry(1)), proof, new TileReader(http()), Instant.now()));
    }

    @Test
    void forkedAndRolledBackLogsAreNoticed(Vertx vertx) throws Exception {
        for (int i = 0; i < 3; i++) publish(entry(i), submitter).await(10, TimeUnit.SECONDS);
        LogVerifier client = new LogVerifier(
                new LogIdentity(ORIGIN, logKey.verifier()), WitnessPolicy.none(), new InMemoryCheckpointStore());
        TileReader tiles = new TileReader(http());
        SignedNote three = SignedNote.parse(tiles.checkpoint());
        client.acceptLatest(three, tiles, Instant.now());

        // A fork: the same log key signs a different history of a larger size, served elsewhere.
        LogStorage forkStorage = LogStorage.open(dir.resolve("fork"));
        Sequencer fork = Sequencer.open(forkStorage, ORIGIN, logKey);
        for (int i = 0; i < 5; i++) fork.append(List.of(entry(100 + i)));
        LogConsistencyException forked = assertThrows(
                LogConsistencyException.class, () -> client.acceptLatest(fork.checkpoint(), fork, Instant.now()));
        assertEquals(LogConsistencyException.Reason.FORK, forked.reason());

        // A rollback: a checkpoint older than the one already seen.
        for (int i = 3; i < 6; i++) publish(entry(i), submitter).await(10, TimeUnit.SECONDS);
        client.acceptLatest(SignedNote.parse(tiles.checkpoint()), tiles, Instant.now());
        LogConsistencyException rolledBack =
                assertThrows(LogConsistencyException.class, () -> client.acceptLatest(three, tiles, Instant.now()));
        assertEquals(LogConsistencyException.Reason.ROLLBACK, rolledBack.reason());

        // The witnesses refuse the fork too: they have cosigned the real log.
        var witnessAnswer = web.postAbs(
                        witnessUrls.getFirst().resolve("/add-checkpoint").toString())
                .sendBuffer(Buffer.buffer(
                        new dev.cloister.ledger.witness.AddCheckpointRequest(0, List.of(), fork.checkpoint()).encode()))
                .await(10, TimeUnit.SECONDS);
        assertEquals(409, witnessAnswer.statusCode());
        assertEquals("text/x.tlog.size", witnessAnswer.getHeader("content-type"));
    }

    @Test
    void submissionsMustBeSignedByAConfiguredSubmitterAndBeCanonicalEntries() throws Exception {
        Ed25519NoteSigner stranger = new Ed25519NoteSigner("release-bot", Ed25519PrivateKey.generate(random));
        assertEquals(
                401, publish(entry(1), stranger).await(10, TimeUnit.SECONDS).statusCode(), "wrong key, same name");
        byte[] junk = {9, 9, 9};
        assertEquals(400, publish(junk, submitter).await(10, TimeUnit.SECONDS).statusCode());
        assertEquals(
                401,
                web.postAbs(base + "/add")
                        .sendBuffer(Buffer.buffer(entry(2)))
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
        assertEquals(
                413,
                publish(new byte[70_000], submitter).await(10, TimeUnit.SECONDS).statusCode());
        assertEquals(
                404,
                web.getAbs(base + "/tile/../../etc/passwd")
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
        assertEquals(
                404,
                web.getAbs(base + "/tile/0/x999")
                        .send()
                        .await(10, TimeUnit.SECONDS)
                        .statusCode());
    }
}
