package dev.cloister.operator.sessions;

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
 * The gateway's opaque session handles. A handle is 128 random bits (base64url), names a route (an enclave and the
 * enclave-side session id) and is single use: taking it for a request removes it, and the answer carries the next
 * handle of the chain. Handles expire after an idle time; the table is bounded. A client can never name an enclave:
 * it only ever holds handles the gateway minted.
 */
public final class SessionHandles {

    /** Where a session's bytes go: the enclave, and the session id the enclave knows it by (never shown to clients). */
    public record Route(String enclaveId, String enclaveSession) {}

    private record Held(Route route, Instant lastUsed) {}

    private final Map<String, Held> handles = new HashMap<>();
    private final SecureRandom random;
    private final Clock clock;
    private final Duration idle;
    private final int capacity;

    public SessionHandles(SecureRandom random, Clock clock, Duration idle, int capacity) {
        this.random = random;
        this.clock = clock;
        this.idle = idle;
        this.capacity = capacity;
    }

    /** A fresh random identifier (for handles and enclave session ids). */
    public String randomId() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Mints a handle for {@code route}; empty when the table is full (the caller answers 503). */
    public synchronized Optional<String> mint(Route route) {
        expire();
        if (handles.size() >= capacity) return Optional.empty();
        String handle = randomId();
        handles.put(handle, new Held(route, clock.instant()));
        return Optional.of(handle);
    }

    /** Takes (removes) a live handle: a handle works once. Unknown, used and expired handles give empty. */
    public synchronized Optional<Route> take(String handle) {
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
