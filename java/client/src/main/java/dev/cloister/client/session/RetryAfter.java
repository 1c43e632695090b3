package dev.cloister.client.session;

import dev.cloister.wire.bhttp.FieldSection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A {@code Retry-After} field (RFC 9110, section 10.2.3) as the wait it asks for: {@code delay-seconds} or an
 * {@code HTTP-date} measured from now, at most {@link #MAX}. Absent, malformed or in the past: no wait asked.
 */
final class RetryAfter {

    /** The longest wait a server can ask of this client; a longer one is cut to this. */
    static final Duration MAX = Duration.ofSeconds(10);

    private RetryAfter() {}

    static Optional<Duration> of(FieldSection headers, Instant now) {
        return headers.first("retry-after").flatMap(value -> parse(value.trim(), now));
    }

    static Optional<Duration> parse(String value, Instant now) {
        if (value.isEmpty() || value.length() > 40) return Optional.empty();
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            // Any number of digits is valid; more than MAX's seconds is MAX.
            long seconds = value.length() > 6 ? Long.MAX_VALUE : Long.parseLong(value);
            return Optional.of(seconds >= MAX.toSeconds() ? MAX : Duration.ofSeconds(seconds));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            Duration wait = Duration.between(now, at);
            if (wait.isNegative()) return Optional.of(Duration.ZERO);
            return Optional.of(wait.compareTo(MAX) > 0 ? MAX : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
