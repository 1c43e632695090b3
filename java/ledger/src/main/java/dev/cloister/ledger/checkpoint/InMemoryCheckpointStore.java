package dev.cloister.ledger.checkpoint;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** A {@link CheckpointStore} that forgets everything when the process ends. */
public final class InMemoryCheckpointStore implements CheckpointStore {

    private final ConcurrentMap<String, Checkpoint> latest = new ConcurrentHashMap<>();

    @Override
    public Optional<Checkpoint> get(String origin) {
        return Optional.ofNullable(latest.get(origin));
    }

    @Override
    public boolean compareAndSet(String origin, Optional<Checkpoint> expected, Checkpoint checkpoint) {
        if (!checkpoint.origin().equals(origin)) {
            throw new IllegalArgumentException("checkpoint of " + checkpoint.origin() + " stored under " + origin);
        }
        if (expected.isEmpty()) {
            return latest.putIfAbsent(origin, checkpoint) == null;
        }
        return latest.replace(origin, expected.get(), checkpoint);
    }
}
