package dev.cloister.cli.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.enclave.Enclave;
import dev.cloister.enclave.EnclaveVerticle;
import dev.cloister.enclave.ReleaseMeasurement;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.sessions.EnclaveRegistration;
import dev.cloister.server.ListenAddress;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the gateway's operator reads about its enclaves: "attestation failed" only when the evidence did not verify,
 * "unreachable" when the enclave is down, an HTTP status when it answered without a handshake; and each only when it
 * changed, so a recheck every 30 s does not repeat "admitted to the pool".
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EnclaveRegistrationLogTest {

    @TempDir
    Path dir;

    private Vertx vertx;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(EnclaveRegistration.class);
    private Level level;

    @BeforeEach
    void capture() {
        vertx = Vertx.vertx();
        logs.setContext(logger.getLoggerContext());
        logs.start();
        logger.addAppender(logs);
        level = logger.getLevel();
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void release() throws Exception {
        logger.detachAppender(logs);
        logger.setLevel(level);
        vertx.close().await(30, TimeUnit.SECONDS);
    }

    private List<String> lines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private long count(String words) {
        return lines().stream().filter(l -> l.contains(words)).count();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachFindingIsNamedForWhatHappenedAndLoggedWhenItChanges() throws Exception {
        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        Path models = Path.of(System.getProperty("cloister.models"));
        SimulatedSevSnpPlatform cpu = SimulatedSevSnpPlatform.openOrCreate(dir.resolve("sim"), clock.instant(), random);
        SimulatedNvidiaGpu gpu = SimulatedNvidiaGpu.openOrCreate(dir.resolve("sim"), clock.instant(), random);
        byte[] measurement = ReleaseMeasurement.ofRunningBuild();
        Enclave enclave = Enclave.start(
                vertx,
                new Enclave.Settings(
                        models.resolve("stories260K.bin"),
                        models.resolve("tok512.bin"),
                        1,
                        2,
                        8,
                        Duration.ofSeconds(60),
                        new AttestationMode.PerHandshake(),
                        EnclaveVerticle.Config.defaults(new ListenAddress("127.0.0.1", 0))),
                new SimulatedEvidenceSource(
                        cpu, Optional.of(gpu), measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                clock,
                random);
        URI up = URI.create("http://127.0.0.1:" + enclave.port() + "/sessions/");
        RaTlsPolicy.RequireGpu gpuPolicy = new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5));
        EnclavePool pool = new EnclavePool(random);
        EnclaveRegistration registration = new EnclaveRegistration(
                vertx,
                WebClient.create(vertx),
                pool,
                RaTlsClient.create(
                        RaTlsPolicy.acceptingReleases(cpu.insecurePolicy(), List.of(measurement), gpuPolicy),
                        AttestationVerifier.create(),
                        KeyExchange.X25519,
                        Optional.empty(),
                        Duration.ofSeconds(10),
                        clock,
                        random),
                Duration.ofSeconds(5),
                clock);

        // Admitted once, whatever the number of rechecks that find it healthy.
        for (int i = 0; i < 3; i++) registration.register("up", up).await(30, TimeUnit.SECONDS);
        assertEquals(1, count("admitted to the pool"), lines()::toString);

        // Down: unreachable, never "attestation failed"; said once.
        URI down = URI.create("http://127.0.0.1:" + closedPort() + "/sessions/");
        for (int i = 0; i < 2; i++)
            registration.register("down", down).otherwiseEmpty().await(30, TimeUnit.SECONDS);
        assertEquals(1, count("unreachable"), lines()::toString);
        assertEquals(0, count("attestation failed"), lines()::toString);

        // Up, but answering with a status instead of a handshake.
        HttpServer busy = vertx.createHttpServer()
                .requestHandler(r -> r.response().setStatusCode(503).end())
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        registration
                .register("busy", URI.create("http://127.0.0.1:" + busy.actualPort() + "/sessions/"))
                .otherwiseEmpty()
                .await(30, TimeUnit.SECONDS);
        assertEquals(1, count("HTTP status 503"), lines()::toString);
        assertEquals(0, count("attestation failed"), lines()::toString);

        // Reachable and answering, with a release the gateway does not accept: attestation failed.
        EnclaveRegistration strict = new EnclaveRegistration(
                vertx,
                WebClient.create(vertx),
                new EnclavePool(random),
                RaTlsClient.create(
                        RaTlsPolicy.acceptingReleases(cpu.insecurePolicy(), List.of(new byte[48]), gpuPolicy),
                        AttestationVerifier.create(),
                        KeyExchange.X25519,
                        Optional.empty(),
                        Duration.ofSeconds(10),
                        clock,
                        random),
                Duration.ofSeconds(5),
                clock);
        strict.register("other-release", up).otherwiseEmpty().await(30, TimeUnit.SECONDS);
        assertEquals(1, count("attestation failed"), lines()::toString);

        // The admitted enclave stops: it leaves the pool as unreachable, said once.
        enclave.stop(vertx).await(30, TimeUnit.SECONDS);
        enclave.close();
        for (int i = 0; i < 2; i++)
            registration.register("up", up).otherwiseEmpty().await(30, TimeUnit.SECONDS);
        assertEquals(1, count("left the pool: unreachable"), lines()::toString);
        assertEquals(0, pool.members().size());
        assertEquals(1, count("admitted to the pool"), lines()::toString);
    }
}
