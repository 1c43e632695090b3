package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.server.ListenAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cloister monitor} against a real ledger server on loopback: a clean log passes; a log in which a duplicate
 * issuer key was planted (written past the ledger's own rules, as a misbehaving operator could) fails with the
 * offending entry; a log that is not the one the monitor trusts, or that forked since its last run, does not verify.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorCommandTest {

    private static final String ORIGIN = "ledger.cloister.example/monitor-test";
    private static final Instant EPOCH = Instant.parse("2026-12-06T00:00:00Z");

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private Vertx vertx;
    private Ed25519NoteSigner logKey;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(20, TimeUnit.SECONDS);
    }

    private static byte[] issuerKey(int key, Instant from, Instant to) {
        return new IssuerKeyEntry(0x0001, "issuer.example", Bytes.of(new byte[] {(byte) key, 7, 7}), from, to).encode();
    }

    private byte[] ohttpKey(Instant from) {
        byte[] config = new byte[41];
        random.nextBytes(config);
        return new OhttpKeyConfigEntry(Bytes.of(config), from, from.plus(Duration.ofDays(1))).encode();
    }

    /** A log holding {@code entries} (appended directly, past the server's rules), served by a ledger server. */
    private String serve(Path data, List<byte[]> entries) throws Exception {
        LogStorage storage = LogStorage.open(data);
        Sequencer sequencer = Sequencer.open(storage, ORIGIN, logKey);
        if (!entries.isEmpty()) sequencer.append(entries);
        LedgerVerticle ledger = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                sequencer,
                storage,
                List.of(),
                List.of(),
                Duration.ofMillis(20),
                new SimpleMeterRegistry());
        vertx.deployVerticle(ledger).await(20, TimeUnit.SECONDS);
        return "http://127.0.0.1:" + ledger.actualPort();
    }

    private LauncherRun monitor(String ledger, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "monitor",
                "--ledger",
                ledger,
                "--log-vkey",
                logKey.verifier().verifierKey().encode()));
        args.addAll(List.of(more));
        return LauncherRun.of(args.toArray(String[]::new));
    }

    @Test
    void aLogThatKeepsTheRulesPasses() throws Exception {
        String ledger = serve(
                dir.resolve("log"),
                List.of(
                        issuerKey(1, EPOCH, EPOCH.plus(Duration.ofDays(1))),
                        issuerKey(2, EPOCH.plus(Duration.ofDays(1)), EPOCH.plus(Duration.ofDays(2))),
                        ohttpKey(EPOCH),
                        ohttpKey(EPOCH.plus(Duration.ofHours(20)))));
        LauncherRun run = monitor(ledger);
        assertEquals(0, run.code(), run.output());
        assertTrue(run.out().contains("monitor: 4 entries up to checkpoint size 4"), run.output());
        assertTrue(run.out().contains("0 violations"), run.output());
    }

    @Test
    void aPlantedDuplicateIssuerKeyFailsWithItsEntry() throws Exception {
        String ledger = serve(
                dir.resolve("log"),
                List.of(
                        ohttpKey(EPOCH),
                        issuerKey(1, EPOCH, EPOCH.plus(Duration.ofDays(1))),
                        issuerKey(9, EPOCH.plus(Duration.ofHours(6)), EPOCH.plus(Duration.ofDays(1)))));
        LauncherRun run = monitor(ledger);
        assertEquals(1, run.code(), run.output());
        assertTrue(
                run.out()
                        .contains("monitor: entry 2 breaks the key rules: issuer issuer.example already logged a key"
                                + " for token type 0x0001"),
                run.output());
        assertTrue(run.out().contains("(entry 1)"), run.output());
        assertTrue(run.out().contains("1 violations"), run.output());
    }

    @Test
    void tooManyOhttpKeysAtOnceFailWithTheEntryBeyondTheBound() throws Exception {
        String ledger = serve(dir.resolve("log"), List.of(ohttpKey(EPOCH), ohttpKey(EPOCH), ohttpKey(EPOCH)));
        LauncherRun run = monitor(ledger, "--max-concurrent-ohttp-keys", "2");
        assertEquals(1, run.code(), run.output());
        assertTrue(
                run.out().contains("monitor: entry 2 breaks the key rules: at " + EPOCH + " 3 OHTTP key"),
                run.output());
    }

    @Test
    void aLogThatDoesNotVerifyOrForkedSinceTheLastRunExitsThree() throws Exception {
        String ledger = serve(dir.resolve("log"), List.of(ohttpKey(EPOCH)));
        Ed25519NoteSigner stranger = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        LauncherRun wrongKey = LauncherRun.of(
                "monitor",
                "--ledger",
                ledger,
                "--log-vkey",
                stranger.verifier().verifierKey().encode());
        assertEquals(3, wrongKey.code(), wrongKey.output());
        assertTrue(wrongKey.err().contains("monitor: the log does not verify"), wrongKey.output());

        Path state = dir.resolve("monitor-state");
        assertEquals(0, monitor(ledger, "--state", state.toString()).code());
        // The same log key serves another history of the same size elsewhere: a fork the state remembers.
        String fork = serve(dir.resolve("fork"), List.of(ohttpKey(EPOCH.plus(Duration.ofDays(3)))));
        LauncherRun forked = monitor(fork, "--state", state.toString());
        assertEquals(3, forked.code(), forked.output());
        assertTrue(forked.err().contains("same size, roots"), forked.output());
    }
}
