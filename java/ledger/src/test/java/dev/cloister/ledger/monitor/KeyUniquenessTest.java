package dev.cloister.ledger.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ledger's key rules, each refusal with its reason and each case that must stay allowed. */
class KeyUniquenessTest {

    private static final Instant T = Instant.parse("2026-12-06T00:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    private static IssuerKeyEntry issuerKey(String issuer, int tokenType, int key, Instant from, Instant to) {
        return new IssuerKeyEntry(tokenType, issuer, Bytes.of(new byte[] {(byte) key, 2, 3}), from, to);
    }

    private static OhttpKeyConfigEntry ohttpKey(int key, Instant from, Instant to) {
        return new OhttpKeyConfigEntry(Bytes.of(new byte[] {(byte) key, 9, 9, 9}), from, to);
    }

    @Test
    void anIssuerHasOneKeyPerTokenTypeAtATime() {
        KeyUniqueness rules = new KeyUniqueness(4);
        IssuerKeyEntry first = issuerKey("issuer.example", 1, 1, T, T.plus(DAY));
        assertEquals(Optional.empty(), rules.violation(first));
        rules.admit(7, first);

        String reason = rules.violation(
                        issuerKey("issuer.example", 1, 2, T.plus(Duration.ofHours(23)), T.plus(DAY.multipliedBy(2))))
                .orElseThrow();
        assertTrue(reason.contains("issuer issuer.example already logged a key for token type 0x0001"), reason);
        assertTrue(reason.contains("(entry 7)"), reason);
        assertTrue(rules.violation(issuerKey("issuer.example", 1, 3, T.minus(DAY), T.plusSeconds(1)))
                .isPresent());
        assertTrue(
                rules.violation(issuerKey("issuer.example", 1, 4, T, T.plus(DAY)))
                        .isPresent(),
                "same epoch");
    }

    @Test
    void theNextEpochTheSameEntryAnotherIssuerAndAnotherTokenTypeAreAllowed() {
        KeyUniqueness rules = new KeyUniqueness(4);
        IssuerKeyEntry first = issuerKey("issuer.example", 1, 1, T, T.plus(DAY));
        rules.admit(0, first);
        assertEquals(Optional.empty(), rules.violation(first), "the same entry again");
        assertEquals(
                Optional.empty(),
                rules.violation(issuerKey("issuer.example", 1, 2, T.plus(DAY), T.plus(DAY.multipliedBy(2)))));
        assertEquals(Optional.empty(), rules.violation(issuerKey("other.example", 1, 2, T, T.plus(DAY))));
        assertEquals(Optional.empty(), rules.violation(issuerKey("issuer.example", 2, 2, T, T.plus(DAY))));
    }

    @Test
    void aSubmissionAcceptedButNotYetLoggedCountsToo() {
        KeyUniqueness rules = new KeyUniqueness(4);
        rules.admit(-1, issuerKey("issuer.example", 1, 1, T, T.plus(DAY)));
        String reason = rules.violation(issuerKey("issuer.example", 1, 2, T, T.plus(DAY)))
                .orElseThrow();
        assertTrue(reason.contains("a submission accepted for logging"), reason);
    }

    @Test
    void atMostTheStatedNumberOfOhttpKeysAreValidAtOnce() {
        KeyUniqueness rules = new KeyUniqueness(3);
        rules.admit(0, ohttpKey(0, T, T.plus(DAY)));
        rules.admit(1, ohttpKey(1, T.plus(Duration.ofHours(20)), T.plus(Duration.ofHours(44))));
        // Overlaps both, but at no instant are three valid: 2 at T+20h, and key 0 has ended by the time key 1's
        // successor begins.
        OhttpKeyConfigEntry rotation = ohttpKey(2, T.plus(Duration.ofHours(40)), T.plus(Duration.ofHours(64)));
        assertEquals(Optional.empty(), rules.violation(rotation));
        rules.admit(2, rotation);
        OhttpKeyConfigEntry fourth = ohttpKey(3, T.plus(Duration.ofHours(21)), T.plus(Duration.ofHours(22)));
        assertEquals(Optional.empty(), rules.violation(fourth), "three at T+21h is the limit");
        rules.admit(3, fourth);
        String reason = rules.violation(ohttpKey(4, T.plus(Duration.ofHours(10)), T.plus(Duration.ofHours(30))))
                .orElseThrow();
        assertTrue(reason.contains("4 OHTTP key configurations would be valid"), reason);
        assertTrue(reason.contains("entry 0, entry 1, entry 3 and this one"), reason);
        assertTrue(reason.contains("the rule allows 3"), reason);
        assertEquals(Optional.empty(), rules.violation(ohttpKey(0, T, T.plus(DAY))), "the same entry again");
        assertEquals(
                Optional.empty(),
                rules.violation(ohttpKey(5, T.plus(Duration.ofHours(64)), T.plus(Duration.ofHours(90)))));
    }

    @Test
    void theBoundIsAtLeastOne() {
        assertThrows(IllegalArgumentException.class, () -> new KeyUniqueness(0));
    }

    /**
     * A year of daily keys, each valid for a day and a half (two at once while they rotate): after forgetting, only
     * the last {@link KeyUniqueness#OHTTP_KEY_RETENTION} of them are kept, and the bound is still enforced on them.
     */
    @Test
    void expiredOhttpKeysAreForgottenAndTheBoundStillHolds() {
        KeyUniqueness rules = new KeyUniqueness(3);
        int days = 365;
        for (int day = 0; day < days; day++) {
            Instant start = T.plus(DAY.multipliedBy(day));
            OhttpKeyConfigEntry key = ohttpKey(day, start, start.plus(Duration.ofHours(36)));
            assertEquals(Optional.empty(), rules.violation(key), "day " + day);
            rules.admit(day, key);
            rules.forgetExpiredOhttpKeys(start);
        }
        long retainedDays = KeyUniqueness.OHTTP_KEY_RETENTION.toDays();
        assertTrue(
                rules.keptOhttpKeys() <= retainedDays + 2, "kept " + rules.keptOhttpKeys() + " of " + days + " keys");
        Instant lastStart = T.plus(DAY.multipliedBy(days - 1));
        // Two valid at lastStart + 1h (the last two days' keys): a third is allowed, a fourth is not.
        OhttpKeyConfigEntry third = ohttpKey(200, lastStart, lastStart.plus(Duration.ofHours(2)));
        assertEquals(Optional.empty(), rules.violation(third));
        rules.admit(days, third);
        String reason = rules.violation(ohttpKey(201, lastStart.plus(Duration.ofHours(1)), lastStart.plus(DAY)))
                .orElseThrow();
        assertTrue(reason.contains("4 OHTTP key configurations would be valid"), reason);
        assertTrue(reason.contains("entry " + (days - 2) + ", entry " + (days - 1) + ", entry " + days), reason);
        assertEquals(
                Optional.empty(),
                rules.violation(ohttpKey(days - 1, lastStart, lastStart.plus(Duration.ofHours(36)))),
                "the same entry again");
    }

    /** A key whose whole window lies before the forgotten horizon can no longer be checked: refused. */
    @Test
    void aKeyEndedBeforeTheForgottenHorizonIsRefused() {
        KeyUniqueness rules = new KeyUniqueness(2);
        Instant now = T.plus(DAY.multipliedBy(100));
        rules.admit(0, ohttpKey(0, T, T.plus(DAY)));
        rules.admit(1, ohttpKey(1, now, now.plus(DAY)));
        rules.forgetExpiredOhttpKeys(now);
        assertEquals(1, rules.keptOhttpKeys());
        Instant horizon = now.minus(KeyUniqueness.OHTTP_KEY_RETENTION);
        String reason =
                rules.violation(ohttpKey(2, horizon.minus(DAY), horizon)).orElseThrow();
        assertTrue(reason.contains("no longer keeps the OHTTP keys"), reason);
        assertTrue(rules.violation(ohttpKey(0, T, T.plus(DAY))).isPresent(), "even the same entry again");
        // A key that straddles the horizon is checked at the instants after it.
        assertEquals(Optional.empty(), rules.violation(ohttpKey(3, horizon.minus(DAY), horizon.plus(DAY))));
        rules.admit(2, ohttpKey(3, horizon.minus(DAY), horizon.plus(DAY)));
        rules.admit(3, ohttpKey(4, horizon, horizon.plus(DAY)));
        String straddling = rules.violation(ohttpKey(5, horizon.minus(DAY), horizon.plus(Duration.ofHours(1))))
                .orElseThrow();
        assertTrue(straddling.contains("at " + horizon + " 3 OHTTP key configurations"), straddling);
    }

    /** A key dated far in the future does not move the horizon: the current keys stay kept and checked. */
    @Test
    void aKeyDatedInTheFutureDoesNotMakeCurrentKeysForgotten() {
        KeyUniqueness rules = new KeyUniqueness(1);
        rules.admit(0, ohttpKey(0, T, T.plus(DAY)));
        Instant future = T.plus(DAY.multipliedBy(3650));
        rules.admit(1, ohttpKey(1, future, future.plus(DAY)));
        rules.forgetExpiredOhttpKeys(T.plus(Duration.ofHours(1)));
        assertEquals(2, rules.keptOhttpKeys());
        assertTrue(rules.violation(ohttpKey(2, T.plus(Duration.ofHours(2)), T.plus(DAY)))
                .isPresent());
    }
}
