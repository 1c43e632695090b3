package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.util.Objects;

/** The client's blinding scalar of RFC 9497 §3.3.1: secret to the client, non-zero. */
public record Blind(BigInteger scalar) {
    public Blind {
        Objects.requireNonNull(scalar, "scalar");
        if (scalar.signum() <= 0) {
            throw new IllegalArgumentException("a blind must be a positive scalar");
        }
    }

    @Override
    public String toString() {
        return "Blind[redacted]";
    }
}
