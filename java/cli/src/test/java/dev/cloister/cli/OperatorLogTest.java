package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.wire.hpke.KemId;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What a server's operator reads: each line true, said once, and ordinary peer behaviour not reported as errors. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OperatorLogTest {

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger cloister = (Logger) LoggerFactory.getLogger("dev.cloister");
    private Level level;

    @BeforeEach
    void capture() {
        logs.setContext(root.getLoggerContext());
        logs.start();
        root.addAppender(logs);
        level = cloister.getLevel();
        cloister.setLevel(Level.INFO);
    }

    @AfterEach
    void release() {
        root.detachAppender(logs);
        cloister.setLevel(level);
    }

    private List<String> lines() {
        return logs.list.stream()
                .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage())
                .toList();
    }

    private long count(String words) {
        return lines().stream().filter(l -> l.contains(words)).count();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static GatewayVerticle gateway(NodeRuntime runtime, int port) {
        KeyRotation rotation = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(24),
                Duration.ofHours(6),
                Duration.ofHours(6),
                Clock.systemUTC(),
                new SecureRandom());
        return new GatewayVerticle(
                GatewayConfig.defaults(new ListenAddress("127.0.0.1", port)),
                rotation,
                null,
                new EchoTarget(),
                runtime.registry(),
                Clock.systemUTC());
    }

    @Test
    void aServerOfSeveralInstancesSaysOnceThatItListens() throws Exception {
        try (NodeRuntime runtime = NodeRuntime.create()) {
            int port = freePort();
            String id = runtime.vertx()
                    .deployVerticle(() -> gateway(runtime, port), new DeploymentOptions().setInstances(3))
                    .await(30, TimeUnit.SECONDS);
            int relayPort = freePort();
            runtime.vertx()
                    .deployVerticle(
                            () -> new RelayVerticle(
                                    RelayConfig.defaults(
                                            new ListenAddress("127.0.0.1", relayPort),
                                            URI.create("http://127.0.0.1:" + port + "/gateway")),
                                    runtime.registry()),
                            new DeploymentOptions().setInstances(3))
                    .await(30, TimeUnit.SECONDS);
            assertEquals(1, count("gateway listening on port " + port), lines()::toString);
            assertEquals(1, count("relay listening on port " + relayPort), lines()::toString);

            // A restart is a new deployment: it says so again, once.
            runtime.vertx().undeploy(id).await(30, TimeUnit.SECONDS);
            runtime.vertx()
                    .deployVerticle(() -> gateway(runtime, port), new DeploymentOptions().setInstances(3))
                    .await(30, TimeUnit.SECONDS);
            assertEquals(2, count("gateway listening on port " + port), lines()::toString);
        }
    }

    @Test
    void peersResettingStreamsAreNotErrors() throws Exception {
        try (NodeRuntime runtime = NodeRuntime.create()) {
            GatewayVerticle gateway = gateway(runtime, 0);
            runtime.vertx().deployVerticle(gateway).await(30, TimeUnit.SECONDS);
            RelayVerticle relay = new RelayVerticle(
                    RelayConfig.defaults(
                            new ListenAddress("127.0.0.1", 0),
                            URI.create("http://127.0.0.1:" + gateway.actualPort() + "/gateway")),
                    runtime.registry());
            runtime.vertx().deployVerticle(relay).await(30, TimeUnit.SECONDS);
            HttpClient h2 = runtime.vertx()
                    .createHttpClient(new HttpClientOptions()
                            .setProtocolVersion(HttpVersion.HTTP_2)
                            .setHttp2ClearTextUpgrade(false));
            for (String target : new String[] {gateway.actualPort() + "/gateway", relay.actualPort() + "/relay"}) {
                int port = Integer.parseInt(target.substring(0, target.indexOf('/')));
                String path = target.substring(target.indexOf('/'));
                // HTTP/1.1: a chunked body cut off by a connection reset.
                try (Socket s = new Socket("127.0.0.1", port)) {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: message/ohttp-chunked-req\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(200);
                    s.setSoLinger(true, 0);
                }
                // HTTP/2: a stream reset mid-body.
                HttpClientRequest request = h2.request(new RequestOptions()
                                .setMethod(HttpMethod.POST)
                                .setHost("127.0.0.1")
                                .setPort(port)
                                .setURI(path)
                                .putHeader("content-type", "message/ohttp-chunked-req"))
                        .await(10, TimeUnit.SECONDS);
                request.exceptionHandler(e -> {});
                request.setChunked(true);
                request.write(Buffer.buffer("0123456789"));
                Thread.sleep(200);
                request.reset();
            }
            Thread.sleep(1000);
            assertEquals(
                    0,
                    logs.list.stream()
                            .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                            .count(),
                    lines()::toString);
            assertEquals(0, count("failed internally"), lines()::toString);
        }
    }

    @Test
    void aGatewayThatCannotPublishItsKeysExitsWithoutPromisingARetry() throws Exception {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = Launcher.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        Path key = dir.resolve("operator.key");
        assertEquals(0, cli.execute("ledger", "keygen", "--name", "operator", "--out", key.toString()));
        int code = cli.execute(
                "gateway",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--instances",
                "1",
                "--ledger",
                "http://127.0.0.1:" + freePort(),
                "--submitter-key",
                key.toString(),
                "--key-ids",
                dir.resolve("key-ids").toString());
        assertEquals(1, code, out::toString);
        assertTrue(out.toString().contains("connection refused"), out::toString);
        assertEquals(0, count("retrying later"), lines()::toString);
        assertEquals(0, count("listening on port"), "it never served: " + lines());
    }
}
