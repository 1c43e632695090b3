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
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The gateway's key ring and its rotation: each key is advertised for {@code lifetime}; a successor is created
 * {@code overlap} before a key's end, so clients that refresh their cached key list always find a live key, and a
 * retired key is still accepted for {@code grace}. Private keys live only in memory; each key's id is reserved in
 * {@link KeyIdReservations} until its grace ends, so that a restarted gateway's new key never takes the id of a key
 * clients may still hold (they get the key-configuration problem and fetch the new key).
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
    private final Duration grace;
    private final Clock clock;
    private final SecureRandom random;
    private final KeyIdReservations ids;
    private final AtomicReference<KeyRing> ring;

    /** A rotation whose key ids are reserved in memory only (tests, the demo): a restart starts again at id 0. */
    public KeyRotation(
            KemId kem, Duration lifetime, Duration overlap, Duration grace, Clock clock, SecureRandom random) {
        this(kem, lifetime, overlap, grace, clock, random, KeyIdReservations.inMemory());
    }

    /** @param ids where key ids are reserved: the gateway's state, so that they do not repeat across restarts */
    public KeyRotation(
            KemId kem,
            Duration lifetime,
            Duration overlap,
            Duration grace,
            Clock clock,
            SecureRandom random,
            KeyIdReservations ids) {
        this.kem = Objects.requireNonNull(kem);
        this.lifetime = lifetime;
        this.overlap = overlap;
        this.grace = grace;
        this.clock = clock;
        this.random = random;
        this.ids = Objects.requireNonNull(ids);
        if (overlap.compareTo(lifetime) >= 0) {
            throw new IllegalArgumentException("overlap must be shorter than the key lifetime");
        }
        Instant now = clock.instant();
        this.ring = new AtomicReference<>(new KeyRing(List.of(generate(now, now.plus(lifetime), Set.of())), grace));
    }

    @Override
    public KeyRing get() {
        return ring.get();
    }

    /**
     * Adds a successor when the newest key ends within {@code overlap}, and drops keys past their grace period. Call
     * it periodically, off the event loop (it may record a key id reservation on disk); it is cheap when there is
     * nothing to do.
     */
    public synchronized void rotateIfDue() {
        Instant now = clock.instant();
        KeyRing current = ring.get();
        Instant newestEnd = current.keys().stream()
                .map(GatewayKey::notAfter)
                .max(Instant::compareTo)
                .orElse(now);
        if (newestEnd.minus(overlap).isAfter(now)) {
            return;
        }
        Set<Integer> inUse =
                current.keys().stream().map(k -> k.config().keyId()).collect(Collectors.toSet());
        GatewayKey next = generate(now, newestEnd.isAfter(now) ? newestEnd.plus(lifetime) : now.plus(lifetime), inUse);
        ring.set(current.rotate(next, now));
    }

    /** A new key whose id is reserved (and recorded) until its grace ends, before the key exists. */
    private GatewayKey generate(Instant notBefore, Instant notAfter, Set<Integer> inUse) {
        int id = ids.reserve(notBefore, notAfter.plus(grace), inUse);
        return GatewayKey.generate(id, kem, ALGORITHMS, notBefore, notAfter, random);
    }
}
