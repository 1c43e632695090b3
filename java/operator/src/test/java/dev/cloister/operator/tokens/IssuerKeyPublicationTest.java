package dev.cloister.operator.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.SecretBytes;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.IssuerKey;
import dev.cloister.tokens.keys.KeyPublicationException;
import dev.cloister.tokens.keys.PublishedByIssuer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer's key publication fails closed: no ledger answer, no key (and no issuer); never a blocked event loop.
 * Publication into a real ledger, the served proofs and the client's check run end to end in
 * {@code PrivateSessionPropertiesTest.tokensComeOnlyUnderAnIssuerKeyTheLedgerHolds} and {@code SeparateProcessesTest}.
 */
class IssuerKeyPublicationTest {

    @TempDir
    Path dir;

    private Vertx vertx;
    private IssuerKeyPublication publication;
    private EpochKeySchedule keys;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort(); // nothing listens there afterwards
        }
        LedgerPublisher unreachable = new LedgerPublisher(
                WebClient.create(vertx),
                URI.create("http://127.0.0.1:" + closed),
                new Ed25519NoteSigner("operator", Ed25519PrivateKey.generate(new SecureRandom())),
                Duration.ofSeconds(5));
        publication = new IssuerKeyPublication(
                unreachable, "issuer.cloister.example", Duration.ofSeconds(5), Clock.systemUTC());
        keys = new EpochKeySchedule(
                new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                new PublishedByIssuer(),
                Duration.ofHours(1));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private IssuerKey someKey() throws Exception {
        return keys.issuanceKey(Instant.now()).key();
    }

    @Test
    void theEntryNamesTheKeyTheIssuerAndTheIssuanceWindow() throws Exception {
        IssuerKey key = someKey();
        IssuerKeyEntry entry = publication.entry(key);
        assertEquals(0x0001, entry.tokenType());
        assertEquals("issuer.cloister.example", entry.issuerName());
        assertEquals(
                key.publicKey(),
                dev.cloister.tokens.keys.IssuerPublicKey.decode(
                        entry.publicKey().toByteArray()));
        assertEquals(key.notBefore(), entry.notBefore());
        assertEquals(key.issuanceEnds(), entry.notAfter());
    }

    @Test
    void anUnreachableLedgerMeansNoKey() throws Exception {
        KeyPublicationException e = assertThrows(KeyPublicationException.class, () -> publication.publish(someKey()));
        assertTrue(e.getMessage().contains("the ledger refused issuer key"), e.getMessage());
        assertEquals(0, publication.get().proofs().size(), "nothing to serve");
    }

    @Test
    void anIssuerWhoseKeysCannotBePublishedDoesNotStart() throws Exception {
        EpochKeySchedule published = new EpochKeySchedule(
                new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                publication,
                Duration.ofHours(1));
        Path accounts = Files.writeString(dir.resolve("accounts"), "account-0001\n");
        IssuerVerticle issuer = new IssuerVerticle(
                new ListenAddress("127.0.0.1", 0),
                published,
                AccountFile.load(accounts),
                10,
                32,
                "https://issuer.cloister.example/token-request",
                publication,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC());
        Exception e =
                assertThrows(Exception.class, () -> vertx.deployVerticle(issuer).await(20, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getMessage()).contains("the issuer keys could not be published"), e.toString());
    }

    @Test
    void publishingNeverBlocksAnEventLoop() throws Exception {
        IssuerKey key = someKey();
        Promise<String> refused = Promise.promise();
        vertx.runOnContext(v -> {
            try {
                publication.publish(key);
                refused.fail("published on an event loop");
            } catch (KeyPublicationException e) {
                refused.complete(e.getMessage());
            }
        });
        String message = refused.future().await(10, TimeUnit.SECONDS);
        assertTrue(message.contains("would block an event loop"), message);
    }
}
