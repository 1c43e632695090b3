package dev.cloister.tokens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.keys.Epoch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 after acknowledgment never lets a token be spent again: a child JVM spends nonces from 4 threads and prints
 * each acknowledged one; the test kills it with SIGKILL mid-run, reopens the store and finds every acknowledged nonce
 * already spent.
 */
class FileSpentTokenStoreCrashTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void acknowledgedNoncesSurviveKillDashNine(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 2; round++) {
            List<String[]> acked = runAndKill(dir, 400 + round * 200);
            assertTrue(acked.size() >= 400, "child acknowledged only " + acked.size());
            try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
                for (String[] a : acked) {
                    assertEquals(
                            SpendResult.ALREADY_SPENT,
                            store.spend(
                                    new Epoch(Long.parseLong(a[0])),
                                    HexFormat.of().parseHex(a[1])),
                            "acknowledged nonce " + a[1] + " could be spent again after kill -9");
                }
            }
        }
    }

    /** Starts the child, reads acknowledgments until {@code atLeast}, kills it with SIGKILL, and returns every complete ACK line. */
    private static List<String[]> runAndKill(Path dir, int atLeast) throws Exception {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElseThrow(() -> new AssertionError("cannot find the java command"));
        ProcessBuilder pb = new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), SpendingChild.class.getName(), dir.toString(), "4");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process child = pb.start();
        List<String[]> acked = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            boolean killed = false;
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 4 && parts[0].equals("ACK") && parts[3].equals("END") && parts[2].length() == 64) {
                    acked.add(new String[] {parts[1], parts[2]});
                }
                if (!killed && acked.size() >= atLeast) {
                    // SIGKILL on Unix: no shutdown hooks, no flushing. Through the handle, so our end of the pipe stays
                    // open
                    // and the lines the child printed before it died are still read.
                    child.toHandle().destroyForcibly();
                    killed = true;
                }
            }
            assertTrue(killed, "child exited before it acknowledged " + atLeast + " nonces");
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        return acked;
    }
}
