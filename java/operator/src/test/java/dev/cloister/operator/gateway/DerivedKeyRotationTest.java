package dev.cloister.operator.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.base.SecretBytes;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gateway replicas given the same key seed serve the same OHTTP keys (any replica decapsulates what a client
 * encapsulated to the key another replica advertised), a restarted replica the same key under the same id, and the key
 * windows follow the time slots, so every replica rotates to the same successor.
 */
class DerivedKeyRotationTest {

    private static final Duration DAY = Duration.ofHours(24);
    private static final Duration QUARTER = Duration.ofHours(6);

    private static SecretBytes seed(int fill) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) fill);
        return SecretBytes.copyOf(b);
    }

    private static KeyRotation replica(SecretBytes seed, Instant now, KemId kem) {
        return KeyRotation.derived(kem, DAY, QUARTER, QUARTER, Clock.fixed(now, ZoneOffset.UTC), seed);
    }

    private static List<KeyConfig> configs(KeyRotation rotation) {
        return rotation.get().keys().stream().map(GatewayKey::config).toList();
    }

    @Test
    void replicasWithTheSameSeedHoldTheSameKeysAtAnyMoment() {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        for (KemId kem : List.of(KemId.DHKEM_X25519_HKDF_SHA256, KemId.DHKEM_P256_HKDF_SHA256)) {
            KeyRotation a = replica(seed(7), now, kem);
            KeyRotation b = replica(seed(7), now.plusSeconds(40), kem); // started later: a restart
            assertEquals(configs(a), configs(b));
            GatewayKey key = a.get().keys().getFirst();
            // Slot n = days since the Unix epoch: id n mod 256, advertised from a quarter before the day to its end.
            long slot = now.getEpochSecond() / DAY.getSeconds();
            assertEquals((int) (slot % 256), key.config().keyId());
            assertEquals(Instant.parse("2026-12-05T18:00:00Z"), key.notBefore());
            assertEquals(Instant.parse("2026-12-07T00:00:00Z"), key.notAfter());
            assertEquals(
                    Arrays.toString(key.privateKey().publicKey()),
                    Arrays.toString(b.get().keys().getFirst().privateKey().publicKey()));
        }
    }

    @Test
    void anotherSeedGivesOtherKeys() {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        KemId kem = KemId.DHKEM_X25519_HKDF_SHA256;
        assertNotEquals(configs(replica(seed(7), now, kem)), configs(replica(seed(8), now, kem)));
    }

    @Test
    void replicasRotateToTheSameSuccessorWithinTheOverlap() {
        KemId kem = KemId.DHKEM_X25519_HKDF_SHA256;
        // One replica started before the overlap and rotated; one started inside it: the same two keys.
        Instant early = Instant.parse("2026-12-06T12:00:00Z");
        Instant late = Instant.parse("2026-12-06T19:00:00Z");
        java.util.concurrent.atomic.AtomicReference<Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(early);
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        KeyRotation running = KeyRotation.derived(kem, DAY, QUARTER, QUARTER, moving, seed(7));
        assertEquals(1, running.get().keys().size());
        now.set(late);
        running.rotateIfDue();
        KeyRotation started = replica(seed(7), late, kem);
        assertEquals(2, started.get().keys().size());
        assertEquals(configs(running), configs(started));
        GatewayKey successor = started.get().keys().stream()
                .max(java.util.Comparator.comparing(GatewayKey::notAfter))
                .orElseThrow();
        assertEquals(Instant.parse("2026-12-06T18:00:00Z"), successor.notBefore());
        assertEquals(Instant.parse("2026-12-08T00:00:00Z"), successor.notAfter());
    }

    @Test
    void aShortSeedIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> KeyRotation.derived(
                        KemId.DHKEM_X25519_HKDF_SHA256,
                        DAY,
                        QUARTER,
                        QUARTER,
                        Clock.systemUTC(),
                        SecretBytes.copyOf(new byte[31])));
    }
}
