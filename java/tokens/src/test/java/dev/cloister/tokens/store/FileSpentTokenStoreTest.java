package dev.cloister.tokens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.keys.Epoch;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSpentTokenStoreTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Epoch E1 = new Epoch(1);

    private static byte[] nonce() {
        byte[] n = new byte[32];
        RANDOM.nextBytes(n);
        return n;
    }

    @Test
    void spendsOnceThenRefuses(@TempDir Path dir) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            byte[] n = nonce();
            assertEquals(SpendResult.SPENT, store.spend(E1, n));
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(E1, n));
            assertEquals(SpendResult.SPENT, store.spend(new Epoch(2), n), "epochs are separate namespaces");
            assertEquals(
                    SpendResult.SPENT, store.spend(E1, new byte[32]), "the all-zero nonce is a nonce like any other");
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(E1, new byte[32]));
        }
    }

    @Test
    void survivesCleanRestart(@TempDir Path dir) throws Exception {
        List<byte[]> spent = new ArrayList<>();
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            for (int i = 0; i < 1500; i++) {
                byte[] n = nonce();
                spent.add(n);
                assertEquals(SpendResult.SPENT, store.spend(new Epoch(i % 3), n));
            }
        }
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            for (int i = 0; i < spent.size(); i++) {
                assertEquals(SpendResult.ALREADY_SPENT, store.spend(new Epoch(i % 3), spent.get(i)));
            }
            assertEquals(List.of(new Epoch(0), new Epoch(1), new Epoch(2)), store.epochs());
        }
    }

    @Test
    void tornTailRecordIsCutAndStoreStillWorks(@TempDir Path dir) throws Exception {
        byte[] kept = nonce();
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            store.spend(E1, kept);
        }
        Path file = dir.resolve("spent-1.log");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[20])); // half a record, as a crash mid-write leaves it
        }
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            assertEquals(16 + FileSpentTokenStore.RECORD, Files.size(file));
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(E1, kept));
            byte[] next = nonce();
            assertEquals(SpendResult.SPENT, store.spend(E1, next));
        }
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            assertEquals(2, store.size(E1));
        }
    }

    @Test
    void recordWithBadChecksumIsSkipped(@TempDir Path dir) throws Exception {
        byte[] good = nonce();
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            store.spend(E1, good);
        }
        try (FileChannel ch =
                FileChannel.open(dir.resolve("spent-1.log"), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(
                    new byte[FileSpentTokenStore.RECORD])); // a zero-filled record: a torn, unacknowledged write
        }
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            assertEquals(1, store.skippedRecords());
            assertEquals(1, store.size(E1));
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(E1, good));
        }
    }

    @Test
    void badHeaderRefusesToOpen(@TempDir Path dir) throws Exception {
        Files.write(
                dir.resolve("spent-4.log"), "NOTASTORE-HEADER".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThrows(SpentTokenStoreException.class, () -> FileSpentTokenStore.open(dir));
    }

    @Test
    void retiredEpochsAreDroppedAndRefused(@TempDir Path dir) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            store.spend(new Epoch(1), nonce());
            store.spend(new Epoch(2), nonce());
            store.spend(new Epoch(3), nonce());
            store.retireBefore(new Epoch(3));
            assertEquals(List.of(new Epoch(3)), store.epochs());
            assertFalse(Files.exists(dir.resolve("spent-1.log")));
            assertFalse(Files.exists(dir.resolve("spent-2.log")));
            assertEquals(SpendResult.EPOCH_RETIRED, store.spend(new Epoch(2), nonce()));
        }
    }

    @Test
    void closedStoreRefuses(@TempDir Path dir) throws Exception {
        FileSpentTokenStore store = FileSpentTokenStore.open(dir);
        store.close();
        assertThrows(SpentTokenStoreException.class, () -> store.spend(E1, nonce()));
    }

    @Test
    void wrongNonceLengthIsRejected(@TempDir Path dir) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> store.spend(E1, new byte[31]));
        }
    }

    /** N threads race on the same nonces: exactly one SPENT per nonce, across group commits. */
    @Test
    void concurrentSpendersHaveExactlyOneWinnerPerNonce(@TempDir Path dir) throws Exception {
        int threads = 8;
        int nonces = 400;
        List<byte[]> shared = new ArrayList<>();
        for (int i = 0; i < nonces; i++) {
            shared.add(nonce());
        }
        AtomicIntegerArray wins = new AtomicIntegerArray(nonces);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t * 37;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < nonces; i++) {
                        int k = (i + offset) % nonces;
                        if (store.spend(E1, shared.get(k)) == SpendResult.SPENT) {
                            wins.incrementAndGet(k);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < nonces; i++) {
            assertEquals(1, wins.get(i), "nonce " + i + " won " + wins.get(i) + " times");
        }
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            assertEquals(nonces, store.size(E1));
        }
    }

    /** FileChannel closes when a thread doing I/O on it is interrupted; callers never do the I/O, so the store survives. */
    @Test
    void interruptedCallerDoesNotBreakTheStore(@TempDir Path dir) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            Thread.currentThread().interrupt();
            try {
                assertEquals(SpendResult.SPENT, store.spend(E1, nonce()));
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt status is kept");
            }
            assertEquals(SpendResult.SPENT, store.spend(E1, nonce()));
        }
    }

    @Test
    void inMemoryStoreHasTheSameSemantics() throws Exception {
        try (InMemorySpentTokenStore store = new InMemorySpentTokenStore()) {
            byte[] n = nonce();
            assertEquals(SpendResult.SPENT, store.spend(E1, n));
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(E1, n));
            store.retireBefore(new Epoch(2));
            assertEquals(SpendResult.EPOCH_RETIRED, store.spend(E1, nonce()));
        }
    }

    @Test
    void nonceSetGrowsAndFindsEverything() {
        NonceSet set = new NonceSet();
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < 20000; i++) {
            byte[] n = nonce();
            all.add(n);
            assertTrue(set.add(n));
        }
        for (byte[] n : all) {
            assertTrue(set.contains(n));
            assertFalse(set.add(n));
        }
        assertFalse(set.contains(nonce()));
        assertEquals(20000, set.size());
    }
}
