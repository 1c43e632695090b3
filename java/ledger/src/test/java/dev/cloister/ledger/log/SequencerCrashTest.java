package dev.cloister.ledger.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.merkle.InMemoryHashStore;
import dev.cloister.ledger.merkle.TreeHash;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability under {@code kill -9}: a child JVM appends batches and prints every acknowledged index; the test kills it
 * with SIGKILL at random moments, reopens the directory and checks that every acknowledged entry is there, in order,
 * and that the log (checkpoint, tiles, bundles) verifies.
 */
class SequencerCrashTest {

    @TempDir
    Path dir;

    @Test
    void killMinus9NeverLosesAnAcknowledgedEntry() throws Exception {
        Random random = new Random(20261128);
        long acknowledged = -1;
        for (int round = 0; round < 4; round++) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            SequencerCrashChild.class.getName(),
                            dir.toString(),
                            Long.toString(round))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            AtomicLong lastAck = new AtomicLong(-1);
            AtomicLong opened = new AtomicLong(-1);
            Thread reader = Thread.ofPlatform().start(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("ACK ")) {
                            lastAck.set(Long.parseLong(line.substring(4)));
                        } else if (line.startsWith("OPEN ")) {
                            opened.set(Long.parseLong(line.substring(5)));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the child was killed
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lastAck.get() < 0 && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(5);
            }
            assertTrue(lastAck.get() >= 0, "child acknowledged nothing");
            Thread.sleep(100 + random.nextInt(700));
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join(10_000);
            assertTrue(
                    opened.get() >= acknowledged + 1,
                    "child reopened at " + opened.get() + " after ack " + acknowledged);
            acknowledged = Math.max(acknowledged, lastAck.get());

            Sequencer seq =
                    Sequencer.open(LogStorage.open(dir), SequencerCrashChild.ORIGIN, SequencerCrashChild.signer());
            long size = seq.size();
            assertTrue(
                    size >= acknowledged + 1,
                    "round " + round + ": size " + size + " lost acknowledged entry " + acknowledged);
            InMemoryHashStore ref = new InMemoryHashStore();
            for (long i = 0; i < size; i++) {
                ref.append(TreeHash.leafHash(SequencerCrashChild.entry(i)));
            }
            assertArrayEquals(ref.rootHash(size), seq.tree().rootHash().toByteArray(), "round " + round);
            for (long i : List.of(0L, acknowledged / 2, acknowledged)) {
                assertArrayEquals(SequencerCrashChild.entry(i), seq.entry(i));
                seq.inclusionProof(i, size)
                        .verify(
                                TreeHash.leafHash(SequencerCrashChild.entry(i)),
                                seq.tree().rootHash().toByteArray());
            }
        }
        assertTrue(acknowledged > 0);
    }
}
