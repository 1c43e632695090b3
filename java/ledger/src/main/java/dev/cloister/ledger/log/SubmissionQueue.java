package dev.cloister.ledger.log;

import dev.cloister.ledger.LedgerException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The ledger's sequencing order: accepted submissions wait here until they are appended in batches, and a submission
 * whose exact bytes are already in the log (among its newest {@code window} entries) or already waiting gets that
 * entry's index instead of a second copy, so a replayed submission cannot grow the log and a party that publishes
 * again after a restart gets the same index.
 *
 * <p>Not thread-safe: one thread (the ledger server's event loop) submits, takes batches and reports their outcome.
 * The appends themselves ({@link Sequencer#append}) run elsewhere, between {@link #nextBatch()} and
 * {@link #appended}/{@link #failed}.
 */
public final class SubmissionQueue {

    /** What became of a submission. */
    public sealed interface Admission {
        /** The entry is already in the log at this index: nothing is appended. */
        record Known(long index) implements Admission {}

        /** The entry waits to be appended (or already waited): its index once the batch holding it is appended. */
        record Queued(CompletableFuture<Long> index) implements Admission {}

        /** Too many submissions wait already: refuse this one for now. */
        record Full() implements Admission {}
    }

    /** Submissions taken to be appended together, in order. */
    public static final class Batch {
        private final List<Waiting> waiting;

        private Batch(List<Waiting> waiting) {
            this.waiting = waiting;
        }

        public List<byte[]> entries() {
            return waiting.stream().map(Waiting::entry).toList();
        }

        public int size() {
            return waiting.size();
        }
    }

    /** An entry's SHA-256, as four longs (compact, compared by value). */
    private record EntryDigest(long a, long b, long c, long d) {}

    // byte[]: a private carrier; the entry is copied once on admission and handed as is to the append
    private record Waiting(byte[] entry, EntryDigest digest, CompletableFuture<Long> index) {}

    private final int maxPending;
    private final int maxBatch;
    private final List<Waiting> pending = new ArrayList<>();
    private final Map<EntryDigest, CompletableFuture<Long>> waiting = new HashMap<>();
    private final Map<EntryDigest, Long> sequenced;
    private boolean sequencing;

    /**
     * @param maxPending how many submissions may wait at once
     * @param maxBatch the most entries one append takes
     * @param window how many of the newest entries the duplicate check remembers (about 100 bytes each)
     */
    public SubmissionQueue(int maxPending, int maxBatch, int window) {
        if (maxPending < 1 || maxBatch < 1 || window < 0) {
            throw new IllegalArgumentException("queue limits must be positive");
        }
        this.maxPending = maxPending;
        this.maxBatch = maxBatch;
        this.sequenced = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<EntryDigest, Long> eldest) {
                return size() > window;
            }
        };
    }

    /**
     * Remembers the newest {@code window} entries already in the log (reads them: call it off the event loop, before
     * the first submission).
     */
    public void remember(Sequencer sequencer, int window) throws java.io.IOException, LedgerException {
        long size = sequencer.size();
        for (long i = Math.max(0, size - window); i < size; i++) {
            sequenced.put(digest(sequencer.entry(i)), i);
        }
    }

    /** Admits an entry (already authenticated and checked to be canonical) to be appended. */
    public Admission submit(byte[] entry) {
        EntryDigest hash = digest(entry);
        Long known = sequenced.get(hash);
        if (known != null) {
            return new Admission.Known(known);
        }
        CompletableFuture<Long> already = waiting.get(hash);
        if (already != null) {
            return new Admission.Queued(already);
        }
        if (pending.size() >= maxPending) {
            return new Admission.Full();
        }
        CompletableFuture<Long> index = new CompletableFuture<>();
        waiting.put(hash, index);
        pending.add(new Waiting(entry.clone(), hash, index));
        return new Admission.Queued(index);
    }

    /** The next batch to append, oldest first; empty while a batch is being appended or nothing waits. */
    public Optional<Batch> nextBatch() {
        if (sequencing || pending.isEmpty()) {
            return Optional.empty();
        }
        sequencing = true;
        List<Waiting> taken = new ArrayList<>(pending.subList(0, Math.min(maxBatch, pending.size())));
        pending.subList(0, taken.size()).clear();
        return Optional.of(new Batch(taken));
    }

    /** The batch is in the log from {@code firstIndex} on: each of its submitters learns its index. */
    public void appended(Batch batch, long firstIndex) {
        sequencing = false;
        for (int i = 0; i < batch.waiting.size(); i++) {
            Waiting w = batch.waiting.get(i);
            sequenced.put(w.digest(), firstIndex + i);
            waiting.remove(w.digest());
            w.index().complete(firstIndex + i);
        }
    }

    /** The batch could not be appended: its submitters are told, and may submit again. */
    public void failed(Batch batch, Throwable cause) {
        sequencing = false;
        for (Waiting w : batch.waiting) {
            waiting.remove(w.digest());
            w.index().completeExceptionally(cause);
        }
    }

    public int pending() {
        return pending.size();
    }

    private static EntryDigest digest(byte[] entry) {
        try {
            ByteBuffer h = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(entry));
            return new EntryDigest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 vanished", e);
        }
    }
}
