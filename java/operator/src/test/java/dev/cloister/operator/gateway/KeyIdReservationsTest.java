package dev.cloister.operator.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.wire.hpke.KemId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key ids do not repeat across gateway restarts while a client may still hold the key that had them. */
class KeyIdReservationsTest {

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-28T00:00:00Z"));
    private final Clock clock = new Clock() {
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

    /** A gateway start: a fresh key ring whose ids are reserved in the state file. */
    private KeyRotation start(Path state) throws IOException {
        return new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(24),
                Duration.ofHours(6),
                Duration.ofHours(6),
                clock,
                new SecureRandom(),
                KeyIdReservations.open(state));
    }

    private static int keyId(KeyRotation rotation) {
        return rotation.get().keys().getFirst().config().keyId();
    }

    @Test
    void aRestartedGatewayNeverReusesTheIdOfAKeyStillValid() throws Exception {
        Path state = dir.resolve("ohttp-key-ids");
        Set<Integer> seen = new HashSet<>();
        for (int restart = 0; restart < 10; restart++) {
            now.set(now.get().plusSeconds(5));
            assertTrue(seen.add(keyId(start(state))), "restart " + restart + " reused a key id: " + seen);
        }
    }

    @Test
    void rotationWithinAProcessMovesOnToTheNextIdAndSurvivesARestart() throws Exception {
        Path state = dir.resolve("ohttp-key-ids");
        KeyRotation rotation = start(state);
        int first = keyId(rotation);
        now.set(now.get().plus(Duration.ofHours(19)));
        rotation.rotateIfDue();
        int second = rotation.get().advertised(now.get()).getFirst().keyId();
        assertNotEquals(first, second);
        int afterRestart = keyId(start(state));
        assertNotEquals(first, afterRestart);
        assertNotEquals(second, afterRestart);
    }

    @Test
    void anIdComesBackOnlyAfterItsKeysGraceEnded() throws Exception {
        KeyIdReservations ids = KeyIdReservations.open(dir.resolve("ids"));
        Instant t = now.get();
        int held = ids.reserve(t, t.plus(Duration.ofHours(30)), Set.of());
        // 255 short-lived keys later the cycle is back at the held id: it is skipped while held ...
        for (int i = 0; i < 255; i++) {
            ids.reserve(t, t.plusSeconds(1), Set.of());
        }
        assertNotEquals(held, ids.reserve(t, t.plusSeconds(1), Set.of()));
        // ... and taken again once its reservation ended.
        KeyIdReservations reopened = KeyIdReservations.open(dir.resolve("ids"));
        Instant later = t.plus(Duration.ofHours(31));
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 256; i++) taken.add(reopened.reserve(later, later.plusSeconds(1), Set.of()));
        assertTrue(taken.contains(held));
    }

    @Test
    void whenEveryIdIsReservedTheOneEndingFirstIsTakenButNeverOneOfTheLiveRing() throws Exception {
        KeyIdReservations ids = KeyIdReservations.inMemory();
        Instant t = now.get();
        for (int i = 0; i < 256; i++) {
            ids.reserve(t, t.plus(Duration.ofHours(1 + i)), Set.of()); // id i held for 1 + i hours
        }
        assertEquals(1, ids.reserve(t, t.plus(Duration.ofDays(2)), Set.of(0)));
        assertEquals(0, ids.reserve(t, t.plus(Duration.ofDays(2)), Set.of()));
    }

    @Test
    void anUnreadableStateFileIsRefusedWithItsLineNeverReplaced() throws Exception {
        Path state = dir.resolve("ohttp-key-ids");
        Files.writeString(state, "# ids\n3 2026-11-29T00:00:00Z\n300 2026-11-29T00:00:00Z\n");
        IOException refused = assertThrows(IOException.class, () -> KeyIdReservations.open(state));
        assertEquals(state + " line 3: not a key id reservation (KEY_ID UNTIL)", refused.getMessage());
        Files.writeString(state, "7 yesterday\n");
        assertThrows(IOException.class, () -> KeyIdReservations.open(state));
        assertEquals("7 yesterday\n", Files.readString(state));
    }

    @Test
    void theStateFileHoldsOnlyIdsAndInstants() throws Exception {
        Path state = dir.resolve("ohttp-key-ids");
        KeyRotation rotation = start(state);
        String text = Files.readString(state);
        String expected = keyId(rotation) + " " + now.get().plus(Duration.ofHours(30));
        assertTrue(text.lines().anyMatch(expected::equals), text);
        assertTrue(text.lines().allMatch(l -> l.startsWith("#") || l.matches("\\d{1,3} \\S+Z")), text);
    }
}
