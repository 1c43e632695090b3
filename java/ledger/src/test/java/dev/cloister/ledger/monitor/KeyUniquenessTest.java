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
}
