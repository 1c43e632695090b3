package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short {@code cloister soak}: every party a separate process (Redis, witness, ledger, issuer, three gateway
 * replicas, key directory, relay, two enclaves), sessions at 2/s for 20 s and one fault of each kind (every 3.5 s), and
 * the invariants hold: no double spend, no lost acknowledged entry, no canary in any file, every failure typed.
 * Eleven JVMs start on loopback (with C1 only, for quicker starts): on the shared 2-core build machine under a load
 * average of about 21 from other builds the whole test took 221 s (380 s with C2), hence the timeout; the soak itself
 * is about 20 s of it. Whatever happens, no party outlives it.
 */
class SoakCommandTest {

    @TempDir
    Path dir;

    private static final Pattern LAST = Pattern.compile(
            "soak: attempted=(\\d+) succeeded=(\\d+) failed=(\\d+) retried=(\\d+) p50_ms=([\\d.]+) p99_ms=([\\d.]+)"
                    + " double_spends=(\\d+) lost_entries=(\\d+) canaries=(\\d+) faults=(\\d+)");

    @AfterEach
    void killLeftovers() {
        String state = dir.toString();
        ProcessHandle.current()
                .descendants()
                .filter(p -> commandLine(p).contains(state))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"))
                    .replace('\0', ' ');
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void aShortSoakWithOneFaultOfEachKindKeepsEveryInvariant() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        LauncherRun run = LauncherRun.of(
                "soak",
                "--duration",
                "PT20S",
                "--warmup",
                "PT2S",
                "--rate",
                "2",
                "--fault-every",
                "PT3.5S",
                "--enclaves",
                "2",
                // quicker starts of the eleven JVMs: C1 only
                "--party-jvm-option=-XX:TieredStopAtLevel=1",
                "--models",
                models.toString(),
                "--data",
                dir.resolve("state").toString());
        List<String> lines = run.out().strip().lines().toList();
        String diagnosis = run.output() + logs(dir.resolve("state"));
        assertEquals(0, run.code(), diagnosis);
        Matcher last = LAST.matcher(lines.getLast());
        assertTrue(last.matches(), diagnosis);
        long attempted = Long.parseLong(last.group(1));
        long succeeded = Long.parseLong(last.group(2));
        long failed = Long.parseLong(last.group(3));
        assertTrue(attempted >= 35, diagnosis);
        assertEquals(attempted, succeeded + failed, diagnosis);
        assertTrue(succeeded > 0, diagnosis);
        assertEquals("0", last.group(7), "double spends: " + diagnosis);
        assertEquals("0", last.group(8), "lost entries: " + diagnosis);
        assertEquals("0", last.group(9), "canaries: " + diagnosis);
        assertEquals("5", last.group(10), "one fault of each kind: " + diagnosis);
        assertTrue(lines.get(lines.size() - 2).startsWith("soak detail: "), diagnosis);
        assertTrue(lines.get(lines.size() - 3).startsWith("soak: rss_kib "), diagnosis);
        for (String kind : List.of("gateway-", "enclave-", "redis", "the ledger", "the relay")) {
            assertTrue(run.out().contains(kind), kind + ": " + diagnosis);
        }
    }

    private static String logs(Path state) {
        StringBuilder all = new StringBuilder();
        try (var files = Files.walk(state)) {
            for (Path log :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                String text = Files.readString(log);
                all.append("\n--- ")
                        .append(log.getFileName())
                        .append('\n')
                        .append(text, Math.max(0, text.length() - 3000), text.length());
            }
        } catch (Exception e) {
            all.append("\n(logs unreadable: ").append(e).append(')');
        }
        return all.toString();
    }
}
