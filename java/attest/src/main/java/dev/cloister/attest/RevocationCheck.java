package dev.cloister.attest;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether a verifier requires revocation status for a certificate chain (AMD's CRL for a VCEK chain, OCSP responses
 * for an NVIDIA device chain), and how old it may be. Status is never fetched by a verifier: it comes with the
 * endorsements (RA-TLS: stapled by the enclave in its evidence bundle).
 */
public sealed interface RevocationCheck {

    /** The default largest age of stapled status: a week, measured from its thisUpdate. */
    Duration DEFAULT_MAX_AGE = Duration.ofDays(7);

    /**
     * Status is checked in full when the endorsements carry it and not required otherwise (an auditor's genuineness
     * check of a report and its chain). Never what a client that sends data uses.
     */
    record CheckIfSupplied() implements RevocationCheck {}

    /**
     * Status must be supplied for every certificate below the root, signed by its issuer, current (thisUpdate ≤ now ≤
     * nextUpdate), issued no more than {@code maxAge} before now, and must not list any certificate of the chain.
     */
    record Required(Duration maxAge) implements RevocationCheck {
        public Required {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive, got " + maxAge);
            }
        }

        /** {@link RevocationCheck#DEFAULT_MAX_AGE}. */
        public Required() {
            this(DEFAULT_MAX_AGE);
        }
    }
}
