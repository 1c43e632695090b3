package dev.cloister.ledger.checkpoint;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a client remembers the largest verified checkpoint of each log (by origin), so that every later checkpoint
 * can be checked to extend it. Implementations must make {@link #put} durable before returning if the client
 * restarts between sessions.
 */
public interface CheckpointStore {

    /** The largest checkpoint remembered for {@code origin}. */
    Optional<Checkpoint> get(String origin) throws IOException;

    /**
     * Remembers {@code checkpoint} for its origin if the stored one is still {@code expected} (compare and set, so
     * concurrent verifiers cannot lose a larger checkpoint).
     *
     * @return whether it was stored
     */
    boolean compareAndSet(String origin, Optional<Checkpoint> expected, Checkpoint checkpoint) throws IOException;
}
