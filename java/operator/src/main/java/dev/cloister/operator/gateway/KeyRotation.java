package dev.cloister.operator.gateway;

import dev.cloister.base.SecretBytes;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeKem;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.KeyRing;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
    /** Present for replicas that derive their keys from a shared seed ({@link #derived}). */
    private final Optional<SecretBytes> seed;

    private final AtomicReference<KeyRing> ring;

    private static final byte[] DERIVATION_LABEL = "cloister/ohttp-key/v1".getBytes(StandardCharsets.US_ASCII);

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
        this(kem, lifetime, overlap, grace, clock, random, ids, Optional.empty());
    }

    /**
     * A rotation whose keys are derived from {@code seed} and the time slot (class comment), so that every replica
     * given the same seed holds the same keys; nothing is reserved on disk.
     */
    public static KeyRotation derived(
            KemId kem, Duration lifetime, Duration overlap, Duration grace, Clock clock, SecretBytes seed) {
        if (seed.length() < 32) throw new IllegalArgumentException("the key seed needs at least 32 bytes");
        return new KeyRotation(
                kem,
                lifetime,
                overlap,
                grace,
                clock,
                new SecureRandom(),
                KeyIdReservations.inMemory(),
                Optional.of(seed));
    }

    private KeyRotation(
            KemId kem,
            Duration lifetime,
            Duration overlap,
            Duration grace,
            Clock clock,
            SecureRandom random,
            KeyIdReservations ids,
            Optional<SecretBytes> seed) {
        this.kem = Objects.requireNonNull(kem);
        this.seed = seed;
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
        GatewayKey first = seed.isPresent()
                ? derive(Math.floorDiv(now.getEpochSecond(), lifetime.getSeconds()))
                : generate(now, now.plus(lifetime), Set.of());
        this.ring = new AtomicReference<>(new KeyRing(List.of(first), grace));
        if (seed.isPresent()) rotateIfDue();
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
        if (seed.isPresent()) {
            ring.set(current.rotate(derive(Math.floorDiv(newestEnd.getEpochSecond(), lifetime.getSeconds())), now));
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

    /** Key {@code slot} of a derived rotation (class comment). */
    private GatewayKey derive(long slot) {
        long seconds = lifetime.getSeconds();
        Instant notBefore = Instant.ofEpochSecond(slot * seconds).minus(overlap);
        Instant notAfter = Instant.ofEpochSecond((slot + 1) * seconds);
        byte[] secret = seed.orElseThrow().reveal();
        byte[] ikm = null;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(DERIVATION_LABEL);
            mac.update(ByteBuffer.allocate(10)
                    .putShort((short) kem.id())
                    .putLong(slot)
                    .array());
            ikm = mac.doFinal();
            HpkePrivateKey key = HpkeKem.of(kem).deriveKeyPair(ikm);
            int id = (int) Math.floorMod(slot, 256L);
            return new GatewayKey(
                    new KeyConfig(id, kem, dev.cloister.base.Bytes.of(key.publicKey()), ALGORITHMS),
                    key,
                    notBefore,
                    notAfter);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no key pair derived for slot " + slot, e);
        } finally {
            Arrays.fill(secret, (byte) 0);
            if (ikm != null) Arrays.fill(ikm, (byte) 0);
        }
    }
}
