package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;

/** The server of the base OPRF protocol, modeOPRF (RFC 9497 §3.3.1). Thread-safe. */
public final class OprfServer {
    private final OprfContext ctx;
    private final BigInteger skS;

    public OprfServer(OprfKeyPair keyPair) {
        this.ctx = OprfContext.of(keyPair.suite(), OprfMode.OPRF);
        this.skS = keyPair.scalar();
    }

    /** BlindEvaluate(skS, blindedElement) of §3.3.1. */
    public EvaluatedElement blindEvaluate(BlindedElement blindedElement) {
        return new EvaluatedElement(blindedElement.point().multiply(skS));
    }

    /** Evaluate(skS, input) of §3.3.1: the OPRF output computed directly. */
    public byte[] evaluate(byte[] input) throws InvalidInputException {
        ECPoint evaluated = ctx.inputElement(input).multiply(skS).normalize();
        return ctx.finalizeHash(input, null, evaluated);
    }
}
