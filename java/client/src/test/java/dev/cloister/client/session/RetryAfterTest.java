package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.wire.bhttp.FieldSection;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-12-07T14:00:00Z");

    @Test
    void delaySecondsAreTheWait() {
        assertEquals(Optional.of(Duration.ofSeconds(1)), RetryAfter.of(FieldSection.of("retry-after", "1"), NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("0", NOW));
        assertEquals(Optional.of(Duration.ofSeconds(5)), RetryAfter.parse("5", NOW));
    }

    @Test
    void aLongerWaitIsCutToTheMaximum() {
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("120", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("99999999999999999999999999", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("Mon, 07 Dec 2026 15:00:00 GMT", NOW));
    }

    @Test
    void anHttpDateIsTheTimeUntilThen() {
        assertEquals(Optional.of(Duration.ofSeconds(3)), RetryAfter.parse("Mon, 07 Dec 2026 14:00:03 GMT", NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Mon, 07 Dec 2026 13:59:00 GMT", NOW));
    }

    @Test
    void absentOrMalformedAsksNoWait() {
        assertEquals(Optional.empty(), RetryAfter.of(FieldSection.EMPTY, NOW));
        for (String bad : new String[] {"", "-1", "1.5", "+3", "soon", "0x10", "Mon, 32 Dec 2026 14:00:03 GMT", "1 "}) {
            assertEquals(Optional.empty(), RetryAfter.parse(bad, NOW), bad);
        }
        assertEquals(Optional.empty(), RetryAfter.parse("1".repeat(41), NOW));
    }
}
