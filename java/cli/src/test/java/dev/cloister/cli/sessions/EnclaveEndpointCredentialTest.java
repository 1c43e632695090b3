package dev.cloister.cli.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.cloister.protocol.membership.GatewayAuthorization;
import dev.cloister.server.ListenAddress;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave's internal session endpoint answers the gateway only (issue 15, item 7): with a gateway secret, a request
 * without the gateway's HMAC, or with another secret's, is refused with 401 before its body is read; the gateway that
 * holds the secret attests and routes as before. Without a secret the endpoint listens on a private address only.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EnclaveEndpointCredentialTest {

    @TempDir
    Path dir;

    private Vertx vertx;
    private Enclave enclave;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock = Clock.systemUTC();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        if (enclave != null) {
            enclave.stop(vertx).await(30, TimeUnit.SECONDS);
        }
        vertx.close().await(30, TimeUnit.SECONDS);
    }

    private static GatewayAuthorization credential(int fill, Clock clock) {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) fill);
        return GatewayAuthorization.of(secret, clock);
    }

    private EnclaveRegistration gateway(
            SimulatedSevSnpPlatform cpu,
            SimulatedNvidiaGpu gpu,
            byte[] measurement,
            Optional<GatewayAuthorization> credential) {
        return new EnclaveRegistration(
                vertx,
                WebClient.create(vertx),
                new EnclavePool(random),
                RaTlsClient.create(
                        RaTlsPolicy.acceptingReleases(
                                cpu.insecurePolicy(),
                                List.of(measurement),
                                new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5))),
                        AttestationVerifier.create(),
                        KeyExchange.DEFAULT_OFFER,
                        Optional.empty(),
                        Duration.ofSeconds(10),
                        clock,
                        random),
                Duration.ofSeconds(5),
                credential,
                clock);
    }

    @Test
    void onlyTheGatewayThatHoldsTheSecretOpensSessions() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        SimulatedSevSnpPlatform cpu = SimulatedSevSnpPlatform.openOrCreate(dir.resolve("sim"), clock.instant(), random);
        SimulatedNvidiaGpu gpu = SimulatedNvidiaGpu.openOrCreate(dir.resolve("sim"), clock.instant(), random);
        byte[] measurement = ReleaseMeasurement.ofRunningBuild();
        enclave = Enclave.start(
                vertx,
                new Enclave.Settings(
                        models.resolve("stories260K.bin"),
                        models.resolve("tok512.bin"),
                        1,
                        2,
                        8,
                        Duration.ofSeconds(60),
                        new AttestationMode.PerHandshake(),
                        EnclaveVerticle.Config.defaults(new ListenAddress("127.0.0.1", 0), credential(7, clock))),
                new SimulatedEvidenceSource(
                        cpu, Optional.of(gpu), measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                clock,
                random);
        URI sessions = URI.create("http://127.0.0.1:" + enclave.port() + "/sessions/");

        // The gateway with the secret attests the enclave through the endpoint and admits it.
        EnclaveRegistration holder = gateway(cpu, gpu, measurement, Optional.of(credential(7, clock)));
        holder.register("e1", sessions).await(30, TimeUnit.SECONDS);
        assertTrue(holder.isAdmitted("e1", sessions));

        // Without the credential, with another secret's, or with the right secret's from too far in the past: the
        // enclave answers 401 instead of a handshake.
        Clock stale = Clock.offset(clock, Duration.ofMinutes(-5));
        for (Optional<GatewayAuthorization> wrong : List.of(
                Optional.<GatewayAuthorization>empty(),
                Optional.of(credential(8, clock)),
                Optional.of(credential(7, stale)))) {
            Throwable refused = assertThrows(
                    Exception.class,
                    () -> gateway(cpu, gpu, measurement, wrong)
                            .register("e1", sessions)
                            .await(30, TimeUnit.SECONDS));
            assertEquals(
                    EnclaveRegistration.Finding.NO_HANDSHAKE, EnclaveRegistration.findingOf(refused), wrong::toString);
            assertTrue(refused.getMessage().contains("401"), refused.getMessage());
        }

        // Refused on its headers: a request that announces 10 MB and sends none of them is answered 401 at once.
        try (Socket socket = new Socket("127.0.0.1", enclave.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sessions/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nhost: enclave\r\n"
                            + "content-type: application/vnd.cloister.tls\r\ncontent-length: 10000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            int read = 0;
            while (read < head.length) {
                int n = in.read(head, read, head.length - read);
                if (n < 0) break;
                read += n;
            }
            assertEquals("HTTP/1.1 401", new String(head, 0, read, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void withoutASecretTheEndpointListensOnAPrivateAddressOnly() {
        for (String host : List.of("0.0.0.0", "::", "203.0.113.5")) {
            IllegalArgumentException refused = assertThrows(
                    IllegalArgumentException.class,
                    () -> EnclaveVerticle.Config.defaults(new ListenAddress(host, 9100)));
            assertTrue(refused.getMessage().contains("gateway secret"), refused.getMessage());
            EnclaveVerticle.Config.defaults(new ListenAddress(host, 9100), credential(7, clock));
        }
        EnclaveVerticle.Config.defaults(new ListenAddress("10.0.2.15", 9100));
        EnclaveVerticle.Config.defaults(new ListenAddress("127.0.0.1", 0));
    }
}
