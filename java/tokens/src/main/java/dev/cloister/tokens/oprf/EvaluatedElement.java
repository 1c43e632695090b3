package dev.cloister.tokens.oprf;

import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** evaluatedElement of RFC 9497 §3.3: the server's evaluation of a BlindedElement, a non-identity point. */
public record EvaluatedElement(ECPoint point) {
    public EvaluatedElement {
        Objects.requireNonNull(point, "point");
        if (point.isInfinity()) {
            throw new IllegalArgumentException("an EvaluatedElement cannot be the identity");
        }
        point = point.normalize();
    }

    /** DeserializeElement of RFC 9497 §2.1, then wraps. */
    public static EvaluatedElement decode(Group group, byte[] encoded) throws InvalidElementException {
        return new EvaluatedElement(group.deserializeElement(encoded));
    }

    public byte[] encode() {
        return point.getEncoded(true);
    }
}
