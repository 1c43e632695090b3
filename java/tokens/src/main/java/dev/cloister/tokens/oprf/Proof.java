package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.util.Objects;

/** A DLEQ proof of RFC 9497 §2.2: the pair (c, s), serialized as SerializeScalar(c) ‖ SerializeScalar(s). */
public record Proof(BigInteger c, BigInteger s) {
    public Proof {
        Objects.requireNonNull(c, "c");
        Objects.requireNonNull(s, "s");
        if (c.signum() < 0 || s.signum() < 0) {
            throw new IllegalArgumentException("proof scalars must not be negative");
        }
    }

    public byte[] encode(Group group) {
        byte[] out = new byte[2 * group.suite().ns()];
        System.arraycopy(group.serializeScalar(c), 0, out, 0, group.suite().ns());
        System.arraycopy(
                group.serializeScalar(s),
                0,
                out,
                group.suite().ns(),
                group.suite().ns());
        return out;
    }

    /** Exactly 2 * Ns bytes, each half a canonical scalar. */
    public static Proof decode(Group group, byte[] encoded) throws InvalidScalarException {
        int ns = group.suite().ns();
        if (encoded == null || encoded.length != 2 * ns) {
            throw new InvalidScalarException(
                    "proof must be " + (2 * ns) + " bytes, got " + (encoded == null ? "none" : encoded.length));
        }
        return new Proof(
                group.deserializeScalar(java.util.Arrays.copyOfRange(encoded, 0, ns)),
                group.deserializeScalar(java.util.Arrays.copyOfRange(encoded, ns, 2 * ns)));
    }
}
