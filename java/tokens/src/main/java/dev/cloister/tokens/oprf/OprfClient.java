package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** The client of the base OPRF protocol, modeOPRF (RFC 9497 §3.3.1). Thread-safe. */
public final class OprfClient {
    private final OprfContext ctx;

    public OprfClient(OprfSuite suite) {
        this.ctx = OprfContext.of(suite, OprfMode.OPRF);
    }

    /** Blind(input) of §3.3.1. */
    public BlindOutput blind(byte[] input, RandomScalars random) throws InvalidInputException {
        return blind(ctx, input, random);
    }

    /** Finalize(input, blind, evaluatedElement) of §3.3.1. */
    public byte[] finalize(byte[] input, Blind blind, EvaluatedElement evaluatedElement) {
        return unblindAndHash(ctx, input, null, blind, evaluatedElement);
    }

    static BlindOutput blind(OprfContext ctx, byte[] input, RandomScalars random) throws InvalidInputException {
        Objects.requireNonNull(input, "input");
        OprfContext.checkLength(input, "input");
        BigInteger blind = random.next(ctx.group);
        if (blind.signum() <= 0 || blind.compareTo(ctx.group.order()) >= 0) {
            throw new IllegalArgumentException("blind out of range");
        }
        ECPoint inputElement = ctx.inputElement(input);
        return new BlindOutput(new Blind(blind), new BlindedElement(inputElement.multiply(blind)));
    }

    static byte[] unblindAndHash(OprfContext ctx, byte[] input, byte[] info, Blind blind, EvaluatedElement evaluated) {
        ECPoint n = evaluated.point().multiply(ctx.group.invert(blind.scalar())).normalize();
        return ctx.finalizeHash(input, info, n);
    }
}
