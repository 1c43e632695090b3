package dev.cloister.cli.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's verdict: each invariant alone fails it; the last line has the form scripts read. */
class SoakFiguresTest {

    @TempDir
    Path dir;

    private static SoakFigures figures(
            Map<String, Long> failed,
            long succeeded,
            long redeemed,
            long records,
            long acked,
            long present,
            long canaries) {
        return new SoakFigures(
                100,
                succeeded,
                failed.values().stream().mapToLong(Long::longValue).sum(),
                3,
                2,
                12.34,
                56.78,
                failed,
                500,
                redeemed,
                succeeded,
                records,
                SoakFigures.doubleSpends(redeemed, succeeded, records),
                acked,
                present,
                canaries,
                5);
    }

    @Test
    void theLastLineHasTheFormScriptsRead() {
        SoakFigures ok = figures(Map.of("transport", 2L), 98, 101, 101, 5, 5, 0);
        assertTrue(ok.holds());
        assertEquals(
                "soak: attempted=100 succeeded=98 failed=2 retried=3 p50_ms=12.3 p99_ms=56.8 double_spends=0"
                        + " lost_entries=0 canaries=0 faults=5",
                ok.lastLine());
        assertEquals(
                "soak detail: failed_by_reason=transport:2 succeeded_on_retry=2 tokens_issued=500 tokens_redeemed=101 sessions_answered=98"
                        + " spent_records=101"
                        + " entries_acknowledged=5 entries_present=5",
                ok.detailLine());
    }

    @Test
    void eachBrokenInvariantFailsTheSoak() {
        assertFalse(figures(Map.of(), 100, 102, 101, 5, 5, 0).holds(), "a double spend");
        assertFalse(figures(Map.of(), 100, 101, 101, 5, 4, 0).holds(), "a lost entry");
        assertFalse(figures(Map.of(), 100, 101, 101, 5, 5, 1).holds(), "a canary");
        assertFalse(
                figures(Map.of(SessionTally.UNTYPED, 1L), 99, 101, 101, 5, 5, 0).holds(), "no typed reason");
        assertFalse(figures(Map.of("transport", 100L), 0, 0, 0, 5, 5, 0).holds(), "nothing succeeded");
        assertEquals(1, figures(Map.of(), 100, 101, 101, 5, 4, 0).lostEntries());
    }

    @Test
    void aRedemptionTheGatewaysCountersMissedIsStillCheckedAgainstTheRecords() {
        // A replica's last counter reading came just before a redemption and its SIGKILL: the gateways' sum (99) is
        // one short; Redis lost that token's record (99 records). The client answered 100 sessions, each on a token a
        // gateway accepted: one accepted token has no record.
        assertEquals(1, SoakFigures.doubleSpends(99, 100, 99));
        assertFalse(figures(Map.of(), 100, 99, 99, 5, 5, 0).holds(), "a record missing behind the counters' window");
        // A token accepted twice shows in the gateways' counters even when the client saw one answer per token.
        assertEquals(2, SoakFigures.doubleSpends(102, 100, 100));
        // Redemptions of sessions that failed after the gateway accepted their token: records beyond both counts.
        assertEquals(0, SoakFigures.doubleSpends(101, 100, 103));
        assertEquals(0, SoakFigures.doubleSpends(0, 0, 0));
        assertTrue(figures(Map.of(), 100, 99, 100, 5, 5, 0).holds(), "the counters' window alone is no double spend");
    }

    @Test
    void theLiveHeapIsTheClassHistogramsTotal() {
        assertEquals(java.util.OptionalLong.of(89012345L), Party.totalBytes("Total        1234567       89012345"));
        assertTrue(Party.totalBytes("Total 12 34 56").isEmpty());
        assertTrue(Party.totalBytes("   1:   143741   21274960  [B (java.base@25.0.3)")
                .isEmpty());
        assertTrue(Party.totalBytes("Total  12  9999999999999999999999").isEmpty());
    }

    @Test
    void theTallyCountsAndRanksLatencies() {
        SessionTally tally = new SessionTally();
        for (int i = 1; i <= 100; i++) {
            tally.attempted();
            tally.succeeded(i * 1000L);
        }
        tally.attempted();
        assertTrue(tally.failed("enclave"), "the first failure of its kind");
        tally.retried();
        tally.attempted();
        tally.succeeded(1000, 1);
        assertEquals(102, tally.attemptedCount());
        assertEquals(1, tally.recoveredCount());
        assertEquals(1, tally.failedCount());
        assertEquals(50.0, tally.latencyMillis(50));
        assertEquals(99.0, tally.latencyMillis(99));
        assertEquals(Map.of("enclave", 1L), tally.failedByReason());
        assertFalse(tally.failed("enclave"), "a second failure of a kind is not its first");
        assertTrue(tally.failed("transport"));
        assertEquals(0.0, new SessionTally().latencyMillis(50));
    }

    @Test
    void theCanaryIsFoundInAnyFileAtAnyOffsetAndNowhereElse() throws Exception {
        String canary = "cnry0123456789abcdef01234567";
        Files.createDirectories(dir.resolve("a/b"));
        // Across the scan's 64 KiB block boundary.
        byte[] big = new byte[(1 << 16) + 100];
        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(needle, 0, big, (1 << 16) - 5, needle.length);
        Files.write(dir.resolve("a/b/appendonly.aof"), big);
        Files.writeString(dir.resolve("a/clean.log"), "cnry0123456789abcdef0123456 is not it");
        Files.writeString(dir.resolve("end.log"), "x".repeat(70_000) + canary);
        assertEquals(
                List.of(dir.resolve("a/b/appendonly.aof"), dir.resolve("end.log")),
                CanaryScan.filesContaining(dir, canary).stream().sorted().toList());
    }
}
