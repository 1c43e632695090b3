package dev.cloister.tokens.keys;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Maps time to epochs: epoch i covers [origin + i * length, origin + (i + 1) * length).
 *
 * @param origin the start of epoch 0
 * @param length the epoch length, at least one second (e.g. one day)
 */
public record EpochSchedule(Instant origin, Duration length) {
    public EpochSchedule {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(length, "length");
        if (length.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("epoch length must be at least one second, got " + length);
        }
    }

    /** Daily epochs starting at the Unix epoch. */
    public static EpochSchedule daily() {
        return new EpochSchedule(Instant.EPOCH, Duration.ofDays(1));
    }

    /** The epoch containing {@code t}; times before the origin have no epoch. */
    public Epoch epochAt(Instant t) {
        if (t.isBefore(origin)) {
            throw new IllegalArgumentException(t + " is before the schedule origin " + origin);
        }
        long millis = Duration.between(origin, t).toMillis();
        return new Epoch(millis / length.toMillis());
    }

    public Instant start(Epoch e) {
        return origin.plus(length.multipliedBy(e.index()));
    }

    /** The first instant after the epoch. */
    public Instant end(Epoch e) {
        return start(e.next());
    }
}
