package dev.cloister.ledger.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.testing.TestLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's sequencing order: batches, the duplicate check, back-pressure and failures. */
class SubmissionQueueTest {

    private static byte[] entry(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static CompletableFuture<Long> queued(SubmissionQueue.Admission admission) {
        return assertInstanceOf(SubmissionQueue.Admission.Queued.class, admission)
                .index();
    }

    @Test
    void batchesInOrderAndAnswersEachSubmitterWithItsIndex() throws Exception {
        SubmissionQueue queue = new SubmissionQueue(100, 2, 1000);
        CompletableFuture<Long> a = queued(queue.submit(entry("a")));
        CompletableFuture<Long> b = queued(queue.submit(entry("b")));
        CompletableFuture<Long> c = queued(queue.submit(entry("c")));
        SubmissionQueue.Batch first = queue.nextBatch().orElseThrow();
        assertEquals(2, first.size());
        assertArrayEquals(entry("a"), first.entries().get(0));
        assertArrayEquals(entry("b"), first.entries().get(1));
        assertTrue(queue.nextBatch().isEmpty(), "one batch at a time");
        queue.appended(first, 7);
        assertEquals(7, a.get());
        assertEquals(8, b.get());
        SubmissionQueue.Batch second = queue.nextBatch().orElseThrow();
        assertEquals(1, second.size());
        queue.appended(second, 9);
        assertEquals(9, c.get());
        assertTrue(queue.nextBatch().isEmpty());
    }

    @Test
    void aDuplicateWaitsForTheSameIndexOrGetsTheKnownOne() throws Exception {
        SubmissionQueue queue = new SubmissionQueue(100, 10, 1000);
        CompletableFuture<Long> first = queued(queue.submit(entry("release")));
        assertSame(first, queued(queue.submit(entry("release"))), "a replay while waiting joins the first");
        SubmissionQueue.Batch batch = queue.nextBatch().orElseThrow();
        assertEquals(1, batch.size(), "appended once");
        queue.appended(batch, 3);
        assertEquals(3, first.get());
        assertEquals(
                new SubmissionQueue.Admission.Known(3),
                queue.submit(entry("release")),
                "a replay of a logged entry gets its index");
        assertTrue(queue.nextBatch().isEmpty(), "and appends nothing");
    }

    @Test
    void refusesWhenFull() {
        SubmissionQueue queue = new SubmissionQueue(2, 10, 1000);
        queued(queue.submit(entry("1")));
        queued(queue.submit(entry("2")));
        assertInstanceOf(SubmissionQueue.Admission.Full.class, queue.submit(entry("3")));
        assertEquals(2, queue.pending());
    }

    @Test
    void aFailedAppendTellsItsSubmittersAndTheyMaySubmitAgain() {
        SubmissionQueue queue = new SubmissionQueue(10, 10, 1000);
        CompletableFuture<Long> index = queued(queue.submit(entry("x")));
        SubmissionQueue.Batch batch = queue.nextBatch().orElseThrow();
        queue.failed(batch, new java.io.IOException("disk full"));
        ExecutionException e = assertThrows(ExecutionException.class, index::get);
        assertEquals("disk full", e.getCause().getMessage());
        CompletableFuture<Long> again = queued(queue.submit(entry("x")));
        assertNotSame(index, again);
        assertTrue(queue.nextBatch().isPresent(), "sequencing continues after a failure");
    }

    @Test
    void theDuplicateCheckForgetsBeyondItsWindow() throws Exception {
        SubmissionQueue queue = new SubmissionQueue(10, 10, 2);
        for (String s : List.of("old", "mid", "new")) queued(queue.submit(entry(s)));
        queue.appended(queue.nextBatch().orElseThrow(), 0);
        assertEquals(new SubmissionQueue.Admission.Known(2), queue.submit(entry("new")));
        assertEquals(new SubmissionQueue.Admission.Known(1), queue.submit(entry("mid")));
        queued(queue.submit(entry("old")));
    }

    @Test
    void remembersTheNewestEntriesAlreadyInTheLog(@TempDir Path dir) throws Exception {
        TestLog log = new TestLog(dir);
        log.growTo(5);
        SubmissionQueue queue = new SubmissionQueue(10, 10, 3);
        queue.remember(log.sequencer, 3);
        assertEquals(new SubmissionQueue.Admission.Known(4), queue.submit(TestLog.entry(4)));
        assertEquals(new SubmissionQueue.Admission.Known(2), queue.submit(TestLog.entry(2)));
        queued(queue.submit(TestLog.entry(1)));
    }

    @Test
    void limitsArePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SubmissionQueue(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SubmissionQueue(1, 0, 1));
    }
}
