package dev.cloister.cli.soak;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the soak's sessions came to: attempted, succeeded, failed by typed reason (the client's
 * {@code SessionFailure.Kind}, or {@link #UNTYPED} for a failure without one), retried, and the latency of each success
 * (from its first attempt to its answer, retries included). Thread-safe.
 */
public final class SessionTally {

    /** The reason recorded for a failure that carried no typed reason: the soak fails when there is one. */
    public static final String UNTYPED = "untyped";

    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong recovered = new AtomicLong();
    private final Map<String, Long> failed = new TreeMap<>();
    private long[] latenciesMicros = new long[1024];
    private int latencyCount;

    public void attempted() {
        attempted.incrementAndGet();
    }

    public void retried() {
        retried.incrementAndGet();
    }

    /** A success after {@code retries} retries. */
    public synchronized void succeeded(long latencyMicros, int retries) {
        if (retries > 0) recovered.incrementAndGet();
        succeeded(latencyMicros);
    }

    public synchronized void succeeded(long latencyMicros) {
        succeeded.incrementAndGet();
        if (latencyCount == latenciesMicros.length) latenciesMicros = Arrays.copyOf(latenciesMicros, latencyCount * 2);
        latenciesMicros[latencyCount++] = latencyMicros;
    }

    /** A failure for {@code reason}; whether it is the first for that reason. */
    public synchronized boolean failed(String reason) {
        return failed.merge(reason, 1L, Long::sum) == 1L;
    }

    public long attemptedCount() {
        return attempted.get();
    }

    public long succeededCount() {
        return succeeded.get();
    }

    /** Sessions that succeeded on a retry. */
    public long recoveredCount() {
        return recovered.get();
    }

    public long retriedCount() {
        return retried.get();
    }

    public synchronized long failedCount() {
        return failed.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Failures by reason, in the reasons' order. */
    public synchronized Map<String, Long> failedByReason() {
        return new TreeMap<>(failed);
    }

    /** The {@code percentile} (0 to 100) of the successes' latencies in milliseconds; 0 with no success. */
    public synchronized double latencyMillis(double percentile) {
        if (latencyCount == 0) return 0;
        long[] sorted = Arrays.copyOf(latenciesMicros, latencyCount);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100 * latencyCount);
        return sorted[Math.max(0, Math.min(latencyCount - 1, rank - 1))] / 1000.0;
    }
}
