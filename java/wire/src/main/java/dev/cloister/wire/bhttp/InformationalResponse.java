package dev.cloister.wire.bhttp;

import java.util.Objects;

/**
 * An informational (1xx) response that precedes the final response (RFC 9292 §3.5.1).
 *
 * @param status  the informational status code, 100..199
 * @param headers its header section
 */
public record InformationalResponse(int status, FieldSection headers) {

    /** Checks that the status is informational. */
    public InformationalResponse {
        if (status < 100 || status > 199) {
            throw new IllegalArgumentException("informational status must be 100..199: " + status);
        }
        Objects.requireNonNull(headers, "headers");
    }

    /** The status and the header names; never the values. */
    @Override
    public String toString() {
        return "InformationalResponse[" + status + ", " + headers.size() + " headers]";
    }
}
