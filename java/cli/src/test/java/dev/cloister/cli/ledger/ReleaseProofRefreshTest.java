package dev.cloister.cli.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.client.keys.KeyConsistencyException;
import dev.cloister.client.keys.LedgerView;
import dev.cloister.client.keys.ReleaseTransparency;
import dev.cloister.client.keys.ReleaseTrust;
import dev.cloister.enclave.ReleaseMeasurement;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.HttpTileSource;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.witness.CosignatureV1;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.ledgerserver.WitnessVerticle;
import dev.cloister.operator.keys.KeyDirectoryVerticle;
import dev.cloister.operator.keys.ReleaseProofs;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.ledger.LedgerPublisher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 5: while a release is valid, the key directory serves it under a recently witnessed checkpoint (the
 * ledger re-cosigns a quiet log, the directory rebuilds its proofs), and its logged proof still dates it for the
 * quarantine. The witness runs on a clock this test moves two hours on; the client's max age is one hour.
 */
class ReleaseProofRefreshTest {

    private static final String ORIGIN = "ledger.cloister.example/refresh";
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final SecureRandom random = new SecureRandom();

    /** A clock the test sets. */
    private static final class SetClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(T0);

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void theDirectoryKeepsServingARecentlyWitnessedProof() throws Exception {
        SetClock clock = new SetClock();
        Ed25519NoteSigner logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        Ed25519NoteSigner operator = Ed25519NoteSigner.generate("operator", random);
        Ed25519NoteSigner releaseKey = Ed25519NoteSigner.generate("release.example", random);
        Cosigner cosigner = new Cosigner("witness.example", Ed25519PrivateKey.generate(random));
        WitnessVerticle witness = new WitnessVerticle(
                new ListenAddress("127.0.0.1", 0),
                new Witness(
                        cosigner,
                        List.of(new LogIdentity(ORIGIN, logKey.verifier())),
                        new DirectoryCheckpointStore(dir.resolve("witness"))),
                clock);
        vertx.deployVerticle(witness).await(10, TimeUnit.SECONDS);
        LogStorage storage = LogStorage.open(dir.resolve("log"));
        LedgerVerticle ledger = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                Sequencer.open(storage, ORIGIN, logKey),
                storage,
                List.of(operator.verifier()),
                List.of(new LedgerVerticle.WitnessEndpoint(
                        URI.create("http://127.0.0.1:" + witness.actualPort()), cosigner.verifier())),
                Duration.ofMillis(20),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                LedgerVerticle.Limits.DEFAULTS.withMaxConcurrentOhttpKeys(4).withRecosignEvery(Duration.ofMillis(50)));
        vertx.deployVerticle(ledger).await(10, TimeUnit.SECONDS);
        URI ledgerUrl = URI.create("http://127.0.0.1:" + ledger.actualPort());

        byte[] measurement = new byte[48];
        random.nextBytes(measurement);
        byte[] release = ReleaseMeasurement.developmentRelease(measurement, "test", List.of(), releaseKey, T0)
                .encode();
        TlogProof logged = new LedgerPublisher(WebClient.create(vertx), ledgerUrl, operator, Duration.ofSeconds(10))
                .publish(release)
                .await(10, TimeUnit.SECONDS)
                .proof();
        KeyDirectoryVerticle directory = new KeyDirectoryVerticle(
                new ListenAddress("127.0.0.1", 0),
                URI.create("http://127.0.0.1:1/"),
                Duration.ofHours(1),
                new ReleaseProofs(List.of(logged), new HttpTileSource(ledgerUrl, Duration.ofSeconds(10))));
        vertx.deployVerticle(directory).await(10, TimeUnit.SECONDS);

        // Two hours on, with nothing logged meanwhile: the logged proof alone is too old for a one-hour max age.
        clock.now.set(T0.plus(Duration.ofHours(2)));
        Instant now = clock.instant();
        KeyConsistencyException stale = assertThrows(
                KeyConsistencyException.class,
                () -> client(logKey, cosigner, releaseKey).check(new KeyProofs(List.of(logged)), now));
        assertTrue(stale.getMessage().contains("older than PT1H"), stale.getMessage());

        // The ledger re-cosigns its quiet checkpoint under the witness's new time; the directory rebuilds its proofs.
        awaitCosignedAt(ledgerUrl, now);
        directory.refreshReleases().await(10, TimeUnit.SECONDS);
        KeyProofs served = KeyProofs.decode(WebClient.create(vertx)
                .getAbs("http://127.0.0.1:" + directory.actualPort() + "/releases/proofs")
                .send()
                .await(10, TimeUnit.SECONDS)
                .body()
                .getBytes());
        assertEquals(2, served.proofs().size(), "the logged proof and the refreshed one");
        List<ReleaseTransparency.PublishedRelease> accepted =
                client(logKey, cosigner, releaseKey).check(served, now);
        assertEquals(1, accepted.size(), "recent enough, and dated two hours back: out of its one-hour quarantine");
        assertTrue(Bytes.of(measurement)
                .equals(accepted.getFirst()
                        .release()
                        .manifest()
                        .snpLaunchDigests()
                        .getFirst()));
    }

    private static ReleaseTransparency client(Ed25519NoteSigner logKey, Cosigner witness, Ed25519NoteSigner releaseKey)
            throws Exception {
        return new ReleaseTransparency(
                LedgerView.inMemory(
                        new LogIdentity(ORIGIN, logKey.verifier()),
                        WitnessPolicy.quorum(1, List.of(witness.verifier()), Duration.ofHours(1)),
                        new TileReader(
                                new HttpTileSource(URI.create("http://127.0.0.1:1/unused"), Duration.ofSeconds(1)))),
                new ReleaseTrust(List.of(releaseKey.verifier().verifierKey()), Duration.ofHours(1)));
    }

    /** Waits until the ledger serves its checkpoint with a cosignature made at {@code time} or later. */
    private static void awaitCosignedAt(URI ledger, Instant time) throws Exception {
        TileReader reader = new TileReader(new HttpTileSource(ledger, Duration.ofSeconds(5)));
        for (int i = 0; i < 200; i++) {
            SignedNote note = SignedNote.parse(reader.checkpoint());
            for (var s : note.signatures()) {
                if (s.keyName().equals("witness.example")
                        && CosignatureV1.timestamp(s.signature().toByteArray()) >= time.getEpochSecond()) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the ledger never re-cosigned its checkpoint");
    }
}
