package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Where blinds and proof nonces come from: RandomScalar() of RFC 9497 §2.1. Production code uses
 * {@link #secure(SecureRandom)}; the RFC vectors fix the values instead.
 */
@FunctionalInterface
public interface RandomScalars {
    /** A non-zero scalar below the group's order. */
    BigInteger next(Group group);

    static RandomScalars secure(SecureRandom random) {
        return group -> group.randomScalar(random);
    }
}
