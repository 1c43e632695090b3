package dev.cloister.operator.gateway;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyRing;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The gateway's key ring and its rotation: each key is advertised for {@code lifetime}; a successor is created
 * {@code overlap} before a key's end, so clients that refresh their cached key list always find a live key, and a
 * retired key is still accepted for {@code grace}. Keys live only in memory.
 */
public final class KeyRotation implements Supplier<KeyRing> {

    /** The algorithms every new key is published with. */
    public static final List<SymmetricAlgorithm> ALGORITHMS = List.of(
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM),
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_256_GCM),
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.CHACHA20_POLY1305));

    private final KemId kem;
    private final Duration lifetime;
    private final Duration overlap;
    private final Clock clock;
    private final SecureRandom random;
    private final AtomicReference<KeyRing> ring;

    public KeyRotation(KemId kem, Duration lifetime, Duration overlap, Duration grace, Clock clock, SecureRandom random) {
        this.kem = Objects.requireNonNull(kem);
        this.lifetime = lifetime;
        this.overlap = overlap;
        this.clock = clock;
        this.random = random;
        if (overlap.compareTo(lifetime) >= 0) {
            throw new IllegalArgumentException("overlap must be shorter than the key lifetime");
        }
        Instant now = clock.instant();
        this.ring = new AtomicReference<>(new KeyRing(
                List.of(GatewayKey.generate(0, kem, ALGORITHMS, now, now.plus(lifetime), random)), grace));
    }

    @Override
    public KeyRing get() {
        return ring.get();
    }

    /**
     * Adds a successor when the newest key ends within {@code overlap}, and drops keys past their grace period. Call
     * it periodically; it is cheap when there is nothing to do.
     */
    public void rotateIfDue() {
        Instant now = clock.instant();
        KeyRing current = ring.get();
        Instant newestEnd = current.keys().stream().map(GatewayKey::notAfter).max(Instant::compareTo).orElse(now);
        if (newestEnd.minus(overlap).isAfter(now)) {
            return;
        }
        GatewayKey next = GatewayKey.generate(current.unusedKeyId(), kem, ALGORITHMS, now,
                newestEnd.isAfter(now) ? newestEnd.plus(lifetime) : now.plus(lifetime), random);
        ring.set(current.rotate(next, now));
    }
}
