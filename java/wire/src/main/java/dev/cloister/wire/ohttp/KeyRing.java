package dev.cloister.wire.ohttp;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's live keys, for rotation: every key is advertised from {@code notBefore} to {@code notAfter} and still
 * accepted for {@code grace} afterwards, so requests encapsulated just before a rotation still decapsulate.
 *
 * <p>Immutable; a gateway swaps in a new ring to rotate. Key identifiers are unique within a ring.
 */
public final class KeyRing {

    private final List<GatewayKey> keys;
    private final Duration grace;
    private final GatewayKey[] byId = new GatewayKey[256];

    public KeyRing(List<GatewayKey> keys, Duration grace) {
        this.keys = List.copyOf(keys);
        this.grace = Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative");
        }
        for (GatewayKey key : this.keys) {
            int id = key.config().keyId();
            if (byId[id] != null) {
                throw new IllegalArgumentException("key id " + id + " used twice in one key ring");
            }
            byId[id] = key;
        }
    }

    public List<GatewayKey> keys() {
        return keys;
    }

    public Duration grace() {
        return grace;
    }

    /** The configurations to publish at {@code now}: those inside their advertised window, newest first. */
    public List<KeyConfig> advertised(Instant now) {
        List<GatewayKey> live = new ArrayList<>();
        for (GatewayKey key : keys) {
            if (key.advertisedAt(now)) live.add(key);
        }
        live.sort((a, b) -> b.notBefore().compareTo(a.notBefore()));
        return live.stream().map(GatewayKey::config).toList();
    }

    /** The key that decapsulates a request naming {@code keyId} at {@code now}, if it is live or in its grace period. */
    public Optional<GatewayKey> forDecapsulation(int keyId, Instant now) {
        if (keyId < 0 || keyId > 255) return Optional.empty();
        GatewayKey key = byId[keyId];
        if (key == null
                || now.isBefore(key.notBefore())
                || !now.isBefore(key.notAfter().plus(grace))) {
            return Optional.empty();
        }
        return Optional.of(key);
    }

    /** A ring with {@code key} added and keys whose grace period ended before {@code now} dropped. */
    public KeyRing rotate(GatewayKey key, Instant now) {
        List<GatewayKey> next = new ArrayList<>();
        for (GatewayKey k : keys) {
            if (now.isBefore(k.notAfter().plus(grace))) {
                next.add(k);
            } else {
                k.privateKey().destroy();
            }
        }
        next.add(key);
        return new KeyRing(next, grace);
    }

    /** The lowest key identifier not used in this ring. */
    public int unusedKeyId() {
        for (int id = 0; id < 256; id++) {
            if (byId[id] == null) return id;
        }
        throw new IllegalStateException("all 256 key identifiers are in use");
    }

    @Override
    public String toString() {
        return "KeyRing[" + keys.size() + " keys, grace " + grace + "]";
    }
}
