package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.LogConsistencyException;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's memory of the ledger across runs: each "run" is a fresh {@link LedgerView} over the same owner-only
 * checkpoint store, as two invocations of the CLI are. A log that shows a later run a fork, or rolls back to an older
 * copy of itself, is refused with the reason; a log that only grows is accepted.
 */
class LedgerViewTest {

    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    @TempDir
    Path dir;

    private TestLog log;
    private Path state;

    @BeforeEach
    void log() throws Exception {
        log = new TestLog(dir.resolve("log"), "ledger.cloister.example/view-test", 2);
        state = dir.resolve("state").resolve("checkpoints");
    }

    /** One client run: a view remembered in the store, with consistency proofs from {@code servedBy}'s tiles. */
    private LedgerView run(TestLog servedBy) throws IOException {
        return LedgerView.of(
                log.identity(),
                log.allOf(Duration.ofMinutes(10)),
                DirectoryCheckpointStore.ownerOnly(state),
                servedBy.sequencer);
    }

    private static List<TlogProof> publish(TestLog into, byte[]... entries) throws Exception {
        return into.publish(List.of(entries), into.witnesses, NOW.minusSeconds(5));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aLogThatOnlyGrowsIsAcceptedAcrossRuns() throws Exception {
        TlogProof first = publish(log, bytes("a")).getFirst();
        assertEquals(1, run(log).verify(bytes("a"), first, NOW).checkpoint().size());
        TlogProof third = publish(log, bytes("b"), bytes("c")).get(1);
        assertEquals(3, run(log).verify(bytes("c"), third, NOW).checkpoint().size());
        // A proof made against the older checkpoint is still accepted: the log proves it is a prefix.
        assertEquals(1, run(log).verify(bytes("a"), first, NOW).checkpoint().size());
        assertEquals(
                3,
                DirectoryCheckpointStore.ownerOnly(state)
                        .get(log.origin)
                        .orElseThrow()
                        .size());
    }

    @Test
    void aForkShownToALaterRunIsRefused() throws Exception {
        TlogProof seen = publish(log, bytes("a")).getFirst();
        run(log).verify(bytes("a"), seen, NOW);

        // The same log key signs another history for this client: each checkpoint is valid on its own.
        TestLog fork = new TestLog(dir.resolve("fork"), log);
        TlogProof forked = publish(fork, bytes("b"), bytes("c")).getFirst();
        LogConsistencyException e =
                assertThrows(LogConsistencyException.class, () -> run(fork).verify(bytes("b"), forked, NOW));
        assertEquals(LogConsistencyException.Reason.FORK, e.reason());
        assertEquals(
                1,
                DirectoryCheckpointStore.ownerOnly(state)
                        .get(log.origin)
                        .orElseThrow()
                        .size());

        // Without the memory of the first run the fork would have been believed.
        LedgerView forgetful = LedgerView.inMemory(log.identity(), log.allOf(Duration.ofMinutes(10)), fork.sequencer);
        assertEquals(2, forgetful.verify(bytes("b"), forked, NOW).checkpoint().size());
    }

    @Test
    void aRollbackShownToALaterRunIsRefused() throws Exception {
        publish(log, bytes("a"), bytes("b"));
        Path backup = dir.resolve("backup");
        copy(dir.resolve("log"), backup);
        TlogProof latest = publish(log, bytes("c"), bytes("d")).get(1);
        run(log).verify(bytes("d"), latest, NOW);

        // The log is restored from its copy at size 2 and grows again, to a size below what the client saw.
        TestLog restored = new TestLog(backup, log);
        TlogProof regrown = publish(restored, bytes("e")).getFirst();
        LogConsistencyException e =
                assertThrows(LogConsistencyException.class, () -> run(restored).verify(bytes("e"), regrown, NOW));
        assertEquals(LogConsistencyException.Reason.ROLLBACK, e.reason());
        assertTrue(e.getMessage().contains("size 3 against size 4"), e.getMessage());
    }

    @Test
    void theStoreIsTheOwnersAlone() throws Exception {
        run(log).verify(bytes("a"), publish(log, bytes("a")).getFirst(), NOW);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        try (Stream<Path> files = Files.list(state)) {
            for (Path f : files.toList()) {
                assertEquals(
                        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
        }
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        IOException refused = assertThrows(IOException.class, () -> DirectoryCheckpointStore.ownerOnly(shared));
        assertTrue(refused.getMessage().contains("open to other users"), refused.getMessage());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
