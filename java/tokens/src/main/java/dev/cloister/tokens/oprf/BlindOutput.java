package dev.cloister.tokens.oprf;

import java.util.Objects;

/** The output of Blind (RFC 9497 §3.3.1): the client keeps {@code blind} and sends {@code blindedElement}. */
public record BlindOutput(Blind blind, BlindedElement blindedElement) {
    public BlindOutput {
        Objects.requireNonNull(blind, "blind");
        Objects.requireNonNull(blindedElement, "blindedElement");
    }
}
