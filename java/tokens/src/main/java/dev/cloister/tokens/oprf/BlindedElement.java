package dev.cloister.tokens.oprf;

import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** blindedElement of RFC 9497 §3.3: the client's blinded input, a non-identity point, kept in affine form. */
public record BlindedElement(ECPoint point) {
    public BlindedElement {
        Objects.requireNonNull(point, "point");
        if (point.isInfinity()) {
            throw new IllegalArgumentException("a BlindedElement cannot be the identity");
        }
        point = point.normalize();
    }

    /** DeserializeElement of RFC 9497 §2.1, then wraps. */
    public static BlindedElement decode(Group group, byte[] encoded) throws InvalidElementException {
        return new BlindedElement(group.deserializeElement(encoded));
    }

    public byte[] encode() {
        return point.getEncoded(true);
    }
}
