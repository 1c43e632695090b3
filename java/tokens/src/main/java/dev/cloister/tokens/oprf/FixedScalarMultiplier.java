package dev.cloister.tokens.oprf;

import org.bouncycastle.math.ec.ECPoint;

/**
 * k * A for a server's fixed private scalar k and many points A (blinded elements, token inputs, the DLEQ composite
 * M). Implementations precompute what depends on k once; see {@link Group#fixedScalarMultiplier}. Thread-safe.
 */
interface FixedScalarMultiplier {
    /** k * a, normalized; {@code a} is a group element other than the identity. */
    ECPoint multiply(ECPoint a);

    /** k * a[i] for every i, normalized. */
    ECPoint[] multiplyAll(ECPoint[] a);

    /** The big-endian x-coordinate of k * a (Ne - 1 bytes): all a verifier of a finalized output needs. */
    default byte[] xCoordinate(ECPoint a) {
        return multiply(a).getAffineXCoord().getEncoded();
    }

    /** Which implementation computes the multiples: "AWS-LC" or "Java". */
    default String engine() {
        return "Java";
    }
}
