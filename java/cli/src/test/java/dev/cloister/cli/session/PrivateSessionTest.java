package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The private session end to end on loopback, with stories260K on the native CPU engine in two simulated enclaves. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrivateSessionTest {

    @TempDir
    static Path dir;

    static Vertx vertx;
    static PrometheusMeterRegistry registry;
    static LocalDeployment deployment;
    static CloisterClient client;

    static final List<CloisterClient.Message> CHAT = List.of(
            new CloisterClient.Message(
                    "m1", "Alice", Instant.parse("2026-11-28T09:00:00Z"), "Are we still on for the park at noon?"),
            new CloisterClient.Message(
                    "m2", "Bob", Instant.parse("2026-11-28T09:01:00Z"), "Yes! I will bring the red ball."));

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        deployment = LocalDeployment.start(
                vertx,
                dir,
                registry,
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withMaxOutputTokens(16));
        client = deployment.client().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void summarizeWhole() throws Exception {
        CloisterClient.Answer answer = client.summarize(CHAT, "brief").await(60, TimeUnit.SECONDS);
        assertFalse(answer.text().isEmpty());
        assertEquals(16, answer.generatedTokens());
        assertTrue(answer.promptTokens() > 10);
        assertEquals("ok", answer.logEntry().outcome().result());
        assertEquals(2, answer.logEntry().shared().messages());
        assertNotNull(answer.logEntry().enclave().measurement());
        assertTrue(
                java.util.Set.of("TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256")
                        .contains(answer.logEntry().tls().cipherSuite()),
                answer.logEntry().tls().toString());
        assertEquals("X25519MLKEM768", answer.logEntry().tls().keyExchange(), "the default key exchange");
        // The spent token's issuer key, as the ledger published it.
        assertEquals(64, answer.logEntry().token().issuerKeyId().length());
        assertNotNull(answer.logEntry().token().ledgerIndex());
    }

    @Test
    void rewriteStreamed() throws Exception {
        List<String> pieces = new CopyOnWriteArrayList<>();
        CloisterClient.Answer answer =
                client.rewrite("see u at the park", "formal", pieces::add).await(60, TimeUnit.SECONDS);
        assertTrue(pieces.size() > 1, "the answer arrived in pieces: " + pieces);
        assertEquals(String.join("", pieces), answer.text());
        assertEquals(16, answer.generatedTokens());
    }

    /**
     * A client that accepts TDX only ({@code cloister summarize --cpu-platform tdx}) refuses these SEV-SNP enclaves
     * even though a release names their launch measurement: no release names a TDX platform.
     */
    @Test
    void aTdxOnlyClientRefusesSevSnpEnclaves() throws Exception {
        dev.cloister.attest.tdx.TdxPolicy tdx = SimulatedTdxPlatform.openOrCreate(
                        dir.resolve("tdx-sim"), Instant.now(), new java.security.SecureRandom())
                .insecurePolicy()
                .withTcb(dev.cloister.attest.tdx.TdxPolicy.TcbStatusIn.upToDate());
        try (CloisterClient tdxOnly = deployment
                .client()
                .cpuPlatforms(new dev.cloister.attest.ratls.AcceptedCpuPlatforms.Tdx(tdx))
                .build()) {
            Throwable failure = assertThrows(
                    Exception.class, () -> tdxOnly.summarize(CHAT, "brief").await(60, TimeUnit.SECONDS));
            while (!(failure instanceof SessionFailure) && failure.getCause() != null) {
                failure = failure.getCause();
            }
            SessionFailure refused = assertInstanceOf(SessionFailure.class, failure);
            assertEquals(SessionFailure.Kind.LEDGER, refused.kind());
            assertTrue(
                    refused.getMessage().contains("no published release names a TDX platform"), refused.getMessage());
        }
    }
}
