package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that answers can route: it listens only once the first attestation of each {@code --enclave} has ended,
 * so a script (the README's example) may start clients as soon as the gateway's port answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayStartTest {

    @TempDir
    Path dir;

    private Process gateway;
    private HttpServer enclave;

    @AfterEach
    void stop() throws InterruptedException {
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(10, TimeUnit.SECONDS)) gateway.destroyForcibly();
        }
        if (enclave != null) enclave.stop(0);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theGatewayListensOnlyAfterItsFirstAttestationOfEachEnclave() throws Exception {
        // An enclave endpoint that takes two seconds to answer the gateway's handshake (with a refusal).
        AtomicLong answeredAt = new AtomicLong();
        enclave = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        enclave.createContext("/sessions/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answeredAt.compareAndSet(0, System.nanoTime());
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        enclave.start();
        Files.write(dir.resolve("token-seed"), new byte[32]);
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.cloister.cli.Launcher",
                "gateway",
                "--listen",
                "127.0.0.1:" + port,
                "--admin-listen",
                "127.0.0.1:0",
                "--instances",
                "1",
                "--enclave",
                "e1=http://127.0.0.1:" + enclave.getAddress().getPort() + "/sessions/",
                "--release",
                "00".repeat(48),
                "--token-seed-file",
                dir.resolve("token-seed").toString(),
                "--spent-tokens",
                dir.resolve("spent").toString(),
                "--key-ids",
                dir.resolve("key-ids").toString()));
        Path log = dir.resolve("gateway.log");
        gateway = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!accepts(port)) {
            assertTrue(gateway.isAlive(), () -> "the gateway exited: " + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "the gateway never listened: " + read(log));
            Thread.sleep(20);
        }
        long listening = System.nanoTime();
        long answered = answeredAt.get();
        assertTrue(
                answered != 0 && answered <= listening,
                () -> "the gateway listened before its first attestation of the enclave ended: " + read(log));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
