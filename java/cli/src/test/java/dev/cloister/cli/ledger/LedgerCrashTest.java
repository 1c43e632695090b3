package dev.cloister.cli.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.log.Submission;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.KeyFiles;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.witness.WitnessPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code cloister ledger} process in the middle of a stream of submissions: after a restart
 * on the same directory, every entry that was acknowledged is in the log at its acknowledged index, and the log
 * verifies and keeps growing.
 */
class LedgerCrashTest {

    private static final String ORIGIN = "ledger.cloister.example/crash";

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process startLedger(int port, Path keyFile, Path submitters) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "--sun-misc-unsafe-memory-access=allow",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.cloister.cli.Launcher",
                        "ledger",
                        "--listen",
                        "127.0.0.1:" + port,
                        "--data",
                        dir.resolve("log").toString(),
                        "--key",
                        keyFile.toString(),
                        "--origin",
                        ORIGIN,
                        "--submitters",
                        submitters.toString(),
                        "--interval",
                        "PT0.02S",
                        "--admin-listen",
                        "127.0.0.1:0")
                .redirectErrorStream(true)
                .redirectOutput(
                        dir.resolve("ledger-" + System.nanoTime() + ".log").toFile())
                .start();
    }

    private static void awaitUp(WebClient web, int port, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "ledger process exited early");
            try {
                if (web.get(port, "127.0.0.1", "/checkpoint")
                                .send()
                                .await(2, TimeUnit.SECONDS)
                                .statusCode()
                        == 200) return;
            } catch (Exception notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("ledger did not come up");
    }

    private final java.util.concurrent.atomic.AtomicInteger serial = new java.util.concurrent.atomic.AtomicInteger();

    private byte[] entry() {
        byte[] config = new byte[40];
        random.nextBytes(config);
        // Consecutive one-day windows: the ledger's key rules allow only a few OHTTP keys valid at once.
        Instant start = Instant.parse("2026-11-28T00:00:00Z").plus(Duration.ofDays(serial.getAndIncrement()));
        return new OhttpKeyConfigEntry(Bytes.of(config), start, start.plus(Duration.ofDays(1))).encode();
    }

    @Test
    void acknowledgedEntriesSurviveKillNine() throws Exception {
        Ed25519NoteSigner logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        Ed25519NoteSigner submitter = new Ed25519NoteSigner("crash-bot", Ed25519PrivateKey.generate(random));
        Path keyFile = dir.resolve("log.key");
        KeyFiles.writeSecret(keyFile, logKey.encodeSecret());
        Path submitters = dir.resolve("submitters");
        Files.writeString(submitters, submitter.verifier().verifierKey().encode() + "\n");
        int port = freePort();

        Vertx vertx = Vertx.vertx();
        WebClient web = WebClient.create(vertx);
        Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
        try {
            Process ledger = startLedger(port, keyFile, submitters);
            awaitUp(web, port, ledger);
            List<Future<?>> inFlight = new ArrayList<>();
            long killAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (acknowledged.size() < 200 && System.nanoTime() < killAt) {
                inFlight.removeIf(Future::isComplete);
                while (inFlight.size() < 16) {
                    byte[] entry = entry();
                    inFlight.add(web.post(port, "127.0.0.1", "/add")
                            .putHeader("Cloister-Submitter", submitter.name())
                            .putHeader(
                                    "Cloister-Signature",
                                    Base64.getEncoder().encodeToString(submitter.sign(Submission.signedBytes(entry))))
                            .sendBuffer(Buffer.buffer(entry))
                            .onSuccess(r -> {
                                if (r.statusCode() == 200) {
                                    acknowledged.put(Long.parseLong(r.getHeader("Cloister-Entry-Index")), entry);
                                }
                            }));
                }
                Thread.sleep(2);
            }
            ledger.destroyForcibly(); // SIGKILL, with submissions still in flight
            ledger.waitFor(10, TimeUnit.SECONDS);
            Map<Long, byte[]> acked = Map.copyOf(acknowledged);
            assertTrue(acked.size() >= 50, "only " + acked.size() + " entries were acknowledged before the kill");

            Process restarted = startLedger(port, keyFile, submitters);
            try {
                awaitUp(web, port, restarted);
                TileReader tiles = new TileReader(path -> {
                    HttpResponse<Buffer> r;
                    try {
                        r = web.get(port, "127.0.0.1", "/" + path).send().await(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new IOException(e);
                    }
                    if (r.statusCode() == 404) throw new NoSuchFileException(path);
                    return r.body().getBytes();
                });
                LogIdentity log = new LogIdentity(ORIGIN, logKey.verifier());
                SignedCheckpoint checkpoint = new LogVerifier(log, WitnessPolicy.none(), new InMemoryCheckpointStore())
                        .acceptLatest(SignedNote.parse(tiles.checkpoint()), tiles, Instant.now());
                long maxAcked =
                        acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
                assertTrue(checkpoint.checkpoint().size() > maxAcked, "log lost acknowledged entries");
                for (Map.Entry<Long, byte[]> e : acked.entrySet()) {
                    assertArrayEquals(
                            e.getValue(), tiles.entry(e.getKey(), checkpoint.checkpoint()), "entry " + e.getKey());
                }
                // The restarted log keeps growing from where it was.
                byte[] next = entry();
                HttpResponse<Buffer> more = web.post(port, "127.0.0.1", "/add")
                        .putHeader("Cloister-Submitter", submitter.name())
                        .putHeader(
                                "Cloister-Signature",
                                Base64.getEncoder().encodeToString(submitter.sign(Submission.signedBytes(next))))
                        .sendBuffer(Buffer.buffer(next))
                        .await(10, TimeUnit.SECONDS);
                assertEquals(200, more.statusCode());
                assertEquals(checkpoint.checkpoint().size(), Long.parseLong(more.getHeader("Cloister-Entry-Index")));
            } finally {
                restarted.destroyForcibly();
                restarted.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            web.close();
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
