package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.enclave.ReleaseMeasurement;
import dev.cloister.testing.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica and registration options as an operator runs them: two {@code cloister gateway} processes over one
 * Redis with a membership listener each, and a {@code cloister enclave --register} process that registers with one of
 * them. Both gateways attest and admit it; killed with SIGKILL, it leaves both pools once its registration expires.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RegisteredEnclaveProcessesTest {

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Process p : processes) p.destroyForcibly();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m",
                // the operator's log at INFO (the test suites' logback-test.xml keeps Cloister at WARN)
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.cloister.cli.Launcher"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        processes.add(process);
        return process;
    }

    private void awaitUp(String url, String name) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (int i = 0; i < 300; i++) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " did not come up: " + log(name));
    }

    private String log(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"));
    }

    private void awaitLog(String name, String words, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!log(name).contains(words)) {
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                for (String each : List.of("enclave", "gateway-a", "gateway-b")) {
                    if (Files.exists(dir.resolve(each + ".log"))) {
                        logs.append("\n== ").append(each).append("\n").append(log(each));
                    }
                }
                throw new AssertionError("'" + words + "' not in the " + name + " log within " + limit + logs);
            }
            Thread.sleep(100);
        }
    }

    private String[] gateway(int port, int members, RedisServer redis, String release, String keyIds) {
        return new String[] {
            "gateway",
            "--listen",
            "127.0.0.1:" + port,
            "--admin-listen",
            "127.0.0.1:0",
            "--instances",
            "1",
            "--redis",
            redis.connectionString(),
            "--session-key-file",
            dir.resolve("handle-key").toString(),
            "--members-listen",
            "127.0.0.1:" + members,
            "--members-secret-file",
            dir.resolve("members-secret").toString(),
            "--member-ttl",
            "PT6S",
            "--release",
            release,
            "--insecure-simulated-tee",
            dir.resolve("sim").toString(),
            "--token-seed-file",
            dir.resolve("token-seed").toString(),
            "--key-ids",
            dir.resolve(keyIds).toString(),
            "--enclave-secret-file",
            dir.resolve("gateway-secret").toString()
        };
    }

    @Test
    void anEnclaveRegistersWithOneReplicaAndJoinsAndLeavesEveryPool() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%-5level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="dev.cloister" level="INFO"/>
                  <root level="WARN"><appender-ref ref="STDERR"/></root>
                </configuration>
                """);
        Files.write(dir.resolve("token-seed"), new byte[32]);
        Files.write(dir.resolve("handle-key"), HexFormat.of().parseHex("11".repeat(32)));
        Files.write(dir.resolve("members-secret"), HexFormat.of().parseHex("22".repeat(32)));
        Files.write(dir.resolve("gateway-secret"), HexFormat.of().parseHex("33".repeat(32)));
        int enclave = freePort(), a = freePort(), aMembers = freePort(), b = freePort(), bMembers = freePort();
        try (RedisServer redis = RedisServer.start()) {
            // The enclave first (it creates the simulated roots the gateways are told to trust).
            Process enclaveProcess = start(
                    "enclave",
                    "enclave",
                    "--listen",
                    "127.0.0.1:" + enclave,
                    "--model",
                    models.resolve("stories260K.bin").toString(),
                    "--tokenizer",
                    models.resolve("tok512.bin").toString(),
                    "--sim-dir",
                    dir.resolve("sim").toString(),
                    "--register",
                    "http://127.0.0.1:" + aMembers,
                    "--register-secret-file",
                    dir.resolve("members-secret").toString(),
                    "--register-id",
                    "e1",
                    "--register-every",
                    "PT1S",
                    "--gateway-secret-file",
                    dir.resolve("gateway-secret").toString());
            awaitUp("http://127.0.0.1:" + enclave + "/health", "enclave");
            String release = HexFormat.of().formatHex(ReleaseMeasurement.ofRunningBuild());
            start("gateway-a", gateway(a, aMembers, redis, release, "key-ids-a"));
            start("gateway-b", gateway(b, bMembers, redis, release, "key-ids-b"));
            awaitUp("http://127.0.0.1:" + a + "/ohttp-keys", "gateway-a");
            awaitUp("http://127.0.0.1:" + b + "/ohttp-keys", "gateway-b");

            // Registered with gateway a; gateway b learns of it through Redis; each attests it itself.
            awaitLog("enclave", "registered with the gateway's pool", Duration.ofSeconds(60));
            awaitLog("gateway-a", "enclave admitted to the pool, 1 members", Duration.ofSeconds(30));
            awaitLog("gateway-b", "enclave admitted to the pool, 1 members", Duration.ofSeconds(30));

            // Killed without a word: both gateways drop it once its registration expires.
            enclaveProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            awaitLog("gateway-a", "enclave left the pool", Duration.ofSeconds(20));
            awaitLog("gateway-b", "enclave left the pool", Duration.ofSeconds(20));
            for (String g : List.of("gateway-a", "gateway-b")) {
                assertTrue(!log(g).contains("Exception"), () -> g + " logged an exception");
            }
        }
    }
}
