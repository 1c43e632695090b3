package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** The server of the partially-oblivious OPRF, modePOPRF (RFC 9497 §3.3.3). Thread-safe. */
public final class PoprfServer {
    private final OprfContext ctx;
    private final BigInteger skS;

    public PoprfServer(OprfKeyPair keyPair) {
        this.ctx = OprfContext.of(keyPair.suite(), OprfMode.POPRF);
        this.skS = keyPair.scalar();
    }

    /**
     * BlindEvaluate(skS, blindedElements, info) of §3.3.3: t = skS + HashToScalar(framedInfo),
     * evaluatedElements[i] = t^-1 * blindedElements[i], and one proof GenerateProof(t, G, t*G, evaluatedElements,
     * blindedElements).
     */
    public BlindEvaluation blindEvaluate(List<BlindedElement> blindedElements, byte[] info, RandomScalars random)
            throws InverseException {
        Objects.requireNonNull(info, "info");
        if (blindedElements.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate");
        }
        BigInteger t = tweak(info);
        BigInteger tInverse = ctx.group.invert(t);
        ECPoint tweakedKey = ctx.group.multiplyGenerator(t).normalize();
        int n = blindedElements.size();
        ECPoint[] evaluated = new ECPoint[n];
        List<ECPoint> d = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ECPoint b = blindedElements.get(i).point();
            d.add(b);
            evaluated[i] = b.multiply(tInverse);
        }
        ctx.group.normalizeAll(evaluated);
        Proof proof = Dleq.generateProof(ctx, t, tweakedKey, List.of(evaluated), d, random.next(ctx.group));
        List<EvaluatedElement> out = new ArrayList<>(n);
        for (ECPoint e : evaluated) {
            out.add(new EvaluatedElement(e));
        }
        return new BlindEvaluation(out, proof);
    }

    /** Evaluate(skS, input, info) of §3.3.3. */
    public byte[] evaluate(byte[] input, byte[] info) throws InvalidInputException, InverseException {
        ECPoint inputElement = ctx.inputElement(input);
        BigInteger t = tweak(info);
        ECPoint evaluated = inputElement.multiply(ctx.group.invert(t)).normalize();
        return ctx.finalizeHash(input, info, evaluated);
    }

    private BigInteger tweak(byte[] info) throws InverseException {
        BigInteger t = skS.add(ctx.infoScalar(info)).mod(ctx.group.order());
        if (t.signum() == 0) {
            throw new InverseException(ctx.suite.identifier() + ": skS + HashToScalar(framedInfo) is zero");
        }
        return t;
    }
}
