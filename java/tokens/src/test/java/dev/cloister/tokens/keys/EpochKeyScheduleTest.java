package dev.cloister.tokens.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.SecretBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochKeyScheduleTest {
    static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");
    static final EpochSchedule DAILY = new EpochSchedule(ORIGIN, Duration.ofDays(1));
    static final SecretBytes SEED = SecretBytes.copyOf(new byte[32]);

    @Test
    void epochsCoverTimeWithoutGaps() {
        assertEquals(new Epoch(0), DAILY.epochAt(ORIGIN));
        assertEquals(new Epoch(0), DAILY.epochAt(ORIGIN.plus(Duration.ofDays(1)).minusMillis(1)));
        assertEquals(new Epoch(1), DAILY.epochAt(ORIGIN.plus(Duration.ofDays(1))));
        assertEquals(ORIGIN.plus(Duration.ofDays(5)), DAILY.start(new Epoch(5)));
        assertEquals(DAILY.start(new Epoch(6)), DAILY.end(new Epoch(5)));
        assertThrows(IllegalArgumentException.class, () -> DAILY.epochAt(ORIGIN.minusSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new EpochSchedule(ORIGIN, Duration.ofMillis(10)));
    }

    @Test
    void derivedKeysAreStablePerEpochAndDifferAcrossEpochs() throws Exception {
        EpochKeySource source = new EpochKeySource.Derived(SEED);
        assertEquals(
                source.keyPairFor(new Epoch(3)).publicKey(),
                source.keyPairFor(new Epoch(3)).publicKey());
        assertNotEquals(
                source.keyPairFor(new Epoch(3)).publicKey(),
                source.keyPairFor(new Epoch(4)).publicKey());
        // An issuer and a gateway with the same seed agree on every key.
        EpochKeySchedule issuer =
                new EpochKeySchedule(DAILY, source, new InsecureLocalKeyPublication(), Duration.ofHours(1));
        EpochKeySchedule gateway = new EpochKeySchedule(
                DAILY, new EpochKeySource.Derived(SEED), new InsecureLocalKeyPublication(), Duration.ofHours(1));
        Instant t = ORIGIN.plus(Duration.ofDays(10));
        assertEquals(
                issuer.issuanceKey(t).keyId(),
                gateway.redemptionKeys(t).getFirst().keyId());
    }

    @Test
    void everyKeyHandedOutWasPublishedFirst() throws Exception {
        InsecureLocalKeyPublication ledger = new InsecureLocalKeyPublication();
        EpochKeySchedule keys =
                new EpochKeySchedule(DAILY, new EpochKeySource.Derived(SEED), ledger, Duration.ofHours(1));
        Instant t = ORIGIN.plus(Duration.ofDays(2)).plusSeconds(100);
        PublishedIssuerKey current = keys.issuanceKey(t);
        assertEquals(new Epoch(2), current.epoch());
        List<TokenKeyId> published =
                ledger.published().stream().map(IssuerKey::keyId).toList();
        assertTrue(published.contains(current.keyId()));
        // The next epoch's key is published ahead, before anyone can use it.
        assertTrue(published.contains(keys.published(new Epoch(3)).keyId()));
        assertEquals(List.of(current.key(), keys.published(new Epoch(3)).key()), keys.directoryKeys(t));
        for (PublishedIssuerKey k : keys.redemptionKeys(t)) {
            assertTrue(ledger.published().contains(k.key()));
        }
    }

    @Test
    void publicationFailureMeansNoKey() {
        KeyPublication down = key -> {
            throw new KeyPublicationException("ledger unreachable");
        };
        EpochKeySchedule keys = new EpochKeySchedule(DAILY, new EpochKeySource.Derived(SEED), down, Duration.ZERO);
        KeyPublicationException e =
                assertThrows(KeyPublicationException.class, () -> keys.issuanceKey(ORIGIN.plusSeconds(5)));
        assertTrue(e.getMessage().contains("epoch 0"));
    }

    @Test
    void receiptForAnotherKeyIsRefused() {
        KeyPublication lying =
                key -> new PublicationReceipt(TokenKeyId.of(new byte[32]), dev.cloister.base.Bytes.EMPTY);
        EpochKeySchedule keys = new EpochKeySchedule(DAILY, new EpochKeySource.Derived(SEED), lying, Duration.ZERO);
        assertThrows(KeyPublicationException.class, () -> keys.issuanceKey(ORIGIN.plusSeconds(5)));
    }

    @Test
    void previousKeyRedeemsOnlyWithinGrace() throws Exception {
        EpochKeySchedule keys = new EpochKeySchedule(
                DAILY, new EpochKeySource.Derived(SEED), new InsecureLocalKeyPublication(), Duration.ofHours(2));
        Instant start3 = DAILY.start(new Epoch(3));
        List<Epoch> early = new ArrayList<>();
        keys.redemptionKeys(start3.plus(Duration.ofHours(1))).forEach(k -> early.add(k.epoch()));
        assertEquals(List.of(new Epoch(3), new Epoch(4), new Epoch(2)), early);
        List<Epoch> late = new ArrayList<>();
        keys.redemptionKeys(start3.plus(Duration.ofHours(3))).forEach(k -> late.add(k.epoch()));
        assertEquals(List.of(new Epoch(3), new Epoch(4)), late);
        TokenKeyId old = keys.published(new Epoch(2)).keyId();
        assertTrue(keys.expiredKey(old, start3.plus(Duration.ofHours(3))).isPresent());
        assertFalse(keys.expiredKey(old, start3.plus(Duration.ofHours(1))).isPresent());
    }

    @Test
    void graceLongerThanAnEpochIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new EpochKeySchedule(
                        DAILY,
                        new EpochKeySource.Derived(SEED),
                        new InsecureLocalKeyPublication(),
                        Duration.ofDays(2)));
    }

    @Test
    void secretsDoNotLeakThroughToString() throws Exception {
        SecretBytes s = SecretBytes.copyOf(new byte[] {1, 2, 3, 4});
        assertEquals("SecretBytes[4 bytes, redacted]", s.toString());
        EpochKeySource source = new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32]));
        assertTrue(source.toString().contains("redacted"));
        String kp = source.keyPairFor(new Epoch(1)).toString();
        assertTrue(kp.contains("skS=redacted"), kp);
        assertThrows(
                IllegalArgumentException.class, () -> new EpochKeySource.Derived(SecretBytes.copyOf(new byte[16])));
    }
}
