package dev.cloister.operator.sessions;

import io.vertx.core.Future;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Session handles in this process's memory (one gateway, the single-machine default): a bounded table, each handle
 * removed when taken or when it has been idle too long. A restart forgets every open session.
 */
public final class EmbeddedSessionHandles implements SessionHandles {

    private record Held(Route route, Instant lastUsed) {}

    private final Map<String, Held> handles = new HashMap<>();
    private final SecureRandom random;
    private final Clock clock;
    private final Duration idle;
    private final int capacity;

    public EmbeddedSessionHandles(SecureRandom random, Clock clock, Duration idle, int capacity) {
        this.random = random;
        this.clock = clock;
        this.idle = idle;
        this.capacity = capacity;
    }

    @Override
    public String randomId() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public Future<Optional<String>> mint(Route route) {
        return Future.succeededFuture(mintNow(route));
    }

    private synchronized Optional<String> mintNow(Route route) {
        expire();
        if (handles.size() >= capacity) return Optional.empty();
        String handle = randomId();
        handles.put(handle, new Held(route, clock.instant()));
        return Optional.of(handle);
    }

    @Override
    public Future<Optional<Route>> take(String handle) {
        return Future.succeededFuture(takeNow(handle));
    }

    private synchronized Optional<Route> takeNow(String handle) {
        Held held = handles.remove(handle);
        if (held == null || held.lastUsed().plus(idle).isBefore(clock.instant())) return Optional.empty();
        return Optional.of(held.route());
    }

    /** Drops expired handles and returns the routes that went idle (their enclave sessions can be closed). */
    public synchronized List<Route> expire() {
        Instant now = clock.instant();
        List<Route> gone = new ArrayList<>();
        for (Iterator<Held> it = handles.values().iterator(); it.hasNext(); ) {
            Held held = it.next();
            if (held.lastUsed().plus(idle).isBefore(now)) {
                gone.add(held.route());
                it.remove();
            }
        }
        return gone;
    }

    public synchronized int size() {
        return handles.size();
    }
}
