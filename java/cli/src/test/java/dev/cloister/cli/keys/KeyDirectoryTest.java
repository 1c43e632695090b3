package dev.cloister.cli.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.keys.KeyConsistency;
import dev.cloister.client.keys.KeyConsistencyException;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.ledgerserver.WitnessVerticle;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyPublication;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.keys.KeyDirectoryVerticle;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key consistency on loopback: a ledger with two witnesses, a gateway that publishes its keys there, the key directory
 * mirroring it, a relay, and a client that uses a key only when the ledger vouches for it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class KeyDirectoryTest {

    private static final String ORIGIN = "ledger.cloister.example/keys";

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void theClientUsesOnlyKeysTheLedgerVouchesFor(Vertx vertx) throws Exception {
        Ed25519NoteSigner logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        Ed25519NoteSigner submitter = new Ed25519NoteSigner("gateway-operator", Ed25519PrivateKey.generate(random));
        List<Cosigner> cosigners = new ArrayList<>();
        List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Cosigner cosigner = new Cosigner("witness-" + i + ".example", Ed25519PrivateKey.generate(random));
            cosigners.add(cosigner);
            WitnessVerticle witness = new WitnessVerticle(
                    new ListenAddress("127.0.0.1", 0),
                    new Witness(
                            cosigner,
                            List.of(new LogIdentity(ORIGIN, logKey.verifier())),
                            new DirectoryCheckpointStore(dir.resolve("witness-" + i))),
                    Clock.systemUTC());
            vertx.deployVerticle(witness).await(10, TimeUnit.SECONDS);
            endpoints.add(new LedgerVerticle.WitnessEndpoint(
                    URI.create("http://127.0.0.1:" + witness.actualPort()), cosigner.verifier()));
        }
        LogStorage storage = LogStorage.open(dir.resolve("log"));
        LedgerVerticle ledger = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                Sequencer.open(storage, ORIGIN, logKey),
                storage,
                List.of(submitter.verifier()),
                endpoints,
                Duration.ofMillis(50),
                registry);
        vertx.deployVerticle(ledger).await(10, TimeUnit.SECONDS);

        KeyRotation keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                random);
        KeyPublication publication = new KeyPublication(
                keys,
                new LedgerPublisher(
                        WebClient.create(vertx),
                        URI.create("http://127.0.0.1:" + ledger.actualPort()),
                        submitter,
                        Duration.ofSeconds(10)),
                Clock.systemUTC());
        publication.publishMissing().await(20, TimeUnit.SECONDS);
        GatewayVerticle gateway = new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                keys,
                publication,
                new EchoTarget(),
                registry,
                Clock.systemUTC());
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        URI gatewayBase = URI.create("http://127.0.0.1:" + gateway.actualPort() + "/");
        KeyDirectoryVerticle directory =
                new KeyDirectoryVerticle(new ListenAddress("127.0.0.1", 0), gatewayBase, Duration.ofHours(1));
        vertx.deployVerticle(directory).await(10, TimeUnit.SECONDS);
        directory.mirror().await(10, TimeUnit.SECONDS);
        URI directoryBase = URI.create("http://127.0.0.1:" + directory.actualPort());
        RelayVerticle relay = new RelayVerticle(
                RelayConfig.defaults(new ListenAddress("127.0.0.1", 0), gatewayBase.resolve("/gateway")), registry);
        vertx.deployVerticle(relay).await(10, TimeUnit.SECONDS);

        KeyConsistency consistency = new KeyConsistency(dev.cloister.client.keys.LedgerView.inMemory(
                new LogIdentity(ORIGIN, logKey.verifier()),
                WitnessPolicy.quorum(
                        2, cosigners.stream().map(Cosigner::verifier).toList(), Duration.ofMinutes(10)),
                new dev.cloister.ledger.tiles.TileReader(new dev.cloister.ledger.tiles.HttpTileSource(
                        URI.create("http://127.0.0.1:" + ledger.actualPort()), Duration.ofSeconds(10)))));
        try (ObliviousHttpClient client = new ObliviousHttpClient(
                vertx, URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay"), Duration.ofSeconds(10))) {
            List<KeyConfig> advertised =
                    client.fetchKeys(directoryBase.resolve("/ohttp-keys")).await(10, TimeUnit.SECONDS);
            KeyProofs proofs = client.fetchKeyProofs(directoryBase.resolve("/ohttp-keys/proofs"))
                    .await(10, TimeUnit.SECONDS);
            List<KeyConsistency.ConsistentKey> usable = consistency.check(advertised, proofs, Instant.now());
            assertEquals(1, usable.size());
            assertEquals(0, usable.getFirst().ledgerIndex());
            byte[] body = "hello through a published key".getBytes(StandardCharsets.UTF_8);
            BinaryResponse answer = client.send(
                            usable.getFirst().config(),
                            BinaryRequest.of(
                                    "POST", "https", "gateway.cloister.invalid", "/echo", FieldSection.EMPTY, body))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(200, answer.status());
            assertArrayEquals(body, answer.content());

            // A gateway that stops publishing: a new key it serves (here: a second gateway whose keys were never
            // published, behind the same kind of directory) is refused by every client.
            KeyRotation unpublished = new KeyRotation(
                    KemId.DHKEM_X25519_HKDF_SHA256,
                    Duration.ofHours(1),
                    Duration.ofMinutes(10),
                    Duration.ofMinutes(10),
                    Clock.systemUTC(),
                    random);
            KeyPublication never = new KeyPublication(
                    unpublished,
                    new LedgerPublisher(
                            WebClient.create(vertx),
                            URI.create("http://127.0.0.1:1"),
                            submitter,
                            Duration.ofSeconds(1)),
                    Clock.systemUTC());
            GatewayVerticle rogue = new GatewayVerticle(
                    GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                    unpublished,
                    never,
                    new EchoTarget(),
                    registry,
                    Clock.systemUTC());
            vertx.deployVerticle(rogue).await(10, TimeUnit.SECONDS);
            KeyDirectoryVerticle rogueDirectory = new KeyDirectoryVerticle(
                    new ListenAddress("127.0.0.1", 0),
                    URI.create("http://127.0.0.1:" + rogue.actualPort() + "/"),
                    Duration.ofHours(1));
            vertx.deployVerticle(rogueDirectory).await(10, TimeUnit.SECONDS);
            rogueDirectory.mirror().await(10, TimeUnit.SECONDS);
            URI rogueBase = URI.create("http://127.0.0.1:" + rogueDirectory.actualPort());
            List<KeyConfig> rogueKeys =
                    client.fetchKeys(rogueBase.resolve("/ohttp-keys")).await(10, TimeUnit.SECONDS);
            KeyProofs rogueProofs = client.fetchKeyProofs(rogueBase.resolve("/ohttp-keys/proofs"))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(0, rogueProofs.proofs().size());
            KeyConsistencyException refused = assertThrows(
                    KeyConsistencyException.class, () -> consistency.check(rogueKeys, rogueProofs, Instant.now()));
            assertTrue(refused.getMessage().contains("no ledger entry"), refused.getMessage());
            // Even handed the real gateway's proofs, the rogue key finds no entry for its bytes.
            assertThrows(KeyConsistencyException.class, () -> consistency.check(rogueKeys, proofs, Instant.now()));
        }
    }

    @Test
    void aDirectoryWithNothingMirroredAnswers503(Vertx vertx) throws Exception {
        KeyDirectoryVerticle directory = new KeyDirectoryVerticle(
                new ListenAddress("127.0.0.1", 0), URI.create("http://127.0.0.1:1/"), Duration.ofHours(1));
        vertx.deployVerticle(directory).await(10, TimeUnit.SECONDS);
        var answer = WebClient.create(vertx)
                .get(directory.actualPort(), "127.0.0.1", "/ohttp-keys")
                .send()
                .await(10, TimeUnit.SECONDS);
        assertEquals(503, answer.statusCode());
        assertEquals("1", answer.getHeader("retry-after"));
    }
}
