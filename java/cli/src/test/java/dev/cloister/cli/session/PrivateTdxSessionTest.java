package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.enclave.ReleaseMeasurement;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private session end to end on loopback (client → relay → gateway → enclave), with the enclaves on the simulated
 * TDX platform: the gateway and the client accept their TD quotes because the release in the ledger names the TD's
 * MRTD and RTMR0 (its TDX platform) and RTMR1 and RTMR2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrivateTdxSessionTest {

    @TempDir
    static Path dir;

    static Vertx vertx;
    static LocalDeployment deployment;
    static CloisterClient client;

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        deployment = LocalDeployment.start(
                vertx,
                dir,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(1)
                        .withMaxOutputTokens(8)
                        .withSimulatedCpu(LocalDeployment.SimulatedCpu.TDX));
        client = deployment.client().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aPrivateSessionWithATdxEnclave() throws Exception {
        CloisterClient.Answer answer = client.summarize(
                        List.of(new CloisterClient.Message(
                                "m1", "Alice", Instant.parse("2026-11-28T09:00:00Z"), "See you at the park at noon.")),
                        "brief")
                .await(60, TimeUnit.SECONDS);
        assertFalse(answer.text().isEmpty());
        assertEquals(8, answer.generatedTokens());
        assertEquals("ok", answer.logEntry().outcome().result());
        assertEquals("tdx", answer.logEntry().enclave().platform());
        // The enclave's MRTD, as the simulated TD reports it and the release names it.
        assertEquals(
                HexFormat.of()
                        .formatHex(SimulatedTdxPlatform.TdRegisters.standingFor(ReleaseMeasurement.ofRunningBuild())
                                .mrTd()),
                answer.logEntry().enclave().measurement());
        assertNotNull(
                answer.logEntry().enclave().release(),
                "the release whose four registers the quote matched is named in the request log");
        assertTrue(
                answer.logEntry().enclave().release().contains("ledger index"),
                answer.logEntry().enclave().release());
        assertNotNull(answer.logEntry().enclave().tcb(), "the TCB level from Intel-format collateral");
        assertTrue(
                answer.logEntry().enclave().tcb().contains("UpToDate"),
                answer.logEntry().enclave().tcb());
    }
}
