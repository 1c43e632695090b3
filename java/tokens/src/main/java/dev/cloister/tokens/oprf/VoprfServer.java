package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The server of the verifiable OPRF, modeVOPRF (RFC 9497 §3.3.2). A batch of blinded elements is evaluated with one
 * DLEQ proof for the whole batch. Thread-safe.
 */
public final class VoprfServer {
    private final OprfContext ctx;
    private final BigInteger skS;
    private final ECPoint pkS;
    /** skS * A, with skS's recoding precomputed once per key. */
    private final FixedScalarMultiplier keyMultiple;

    public VoprfServer(OprfKeyPair keyPair) {
        this.ctx = OprfContext.of(keyPair.suite(), OprfMode.VOPRF);
        this.skS = keyPair.scalar();
        this.pkS = keyPair.publicKey();
        this.keyMultiple = ctx.group.fixedScalarMultiplier(skS);
    }

    /**
     * BlindEvaluate(skS, pkS, blindedElements) of §3.3.2 over a batch: evaluatedElements[i] = skS * blindedElements[i]
     * and proof = GenerateProof(skS, G, pkS, blindedElements, evaluatedElements).
     */
    public BlindEvaluation blindEvaluate(List<BlindedElement> blindedElements, RandomScalars random) {
        if (blindedElements.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate");
        }
        int n = blindedElements.size();
        ECPoint[] blinded = new ECPoint[n];
        for (int i = 0; i < n; i++) {
            blinded[i] = blindedElements.get(i).point();
        }
        ECPoint[] evaluated = keyMultiple.multiplyAll(blinded);
        Proof proof = Dleq.generateProof(
                ctx, skS, keyMultiple, pkS, List.of(blinded), List.of(evaluated), random.next(ctx.group));
        List<EvaluatedElement> out = new ArrayList<>(n);
        for (ECPoint e : evaluated) {
            out.add(new EvaluatedElement(e));
        }
        return new BlindEvaluation(out, proof);
    }

    /** Evaluate(skS, input) of §3.3.2: the VOPRF output computed directly. */
    public byte[] evaluate(byte[] input) throws InvalidInputException {
        ECPoint evaluated = keyMultiple.multiply(ctx.inputElement(input));
        return ctx.finalizeHash(input, null, evaluated);
    }

    /**
     * Whether {@code output} = Evaluate(skS, input), the redeemer's check of a token authenticator (RFC 9578 §5.4),
     * compared in constant time. Computes only the x-coordinate of skS * HashToGroup(input) and accepts the Finalize
     * hash of either compressed encoding of it (prefix 0x02 or 0x03): accepting Finalize(input, -Z) besides
     * Finalize(input, Z) gives a forger nothing, since whoever can compute -Z can compute Z. Every honestly
     * finalized output passes, as with {@link #evaluate}.
     */
    public boolean verify(byte[] input, byte[] output) throws InvalidInputException {
        byte[] x = keyMultiple.xCoordinate(ctx.inputElement(input));
        byte[] element = new byte[1 + x.length];
        System.arraycopy(x, 0, element, 1, x.length);
        element[0] = 0x02;
        boolean even = MessageDigest.isEqual(ctx.finalizeHashOfElement(input, null, element), output);
        element[0] = 0x03;
        boolean odd = MessageDigest.isEqual(ctx.finalizeHashOfElement(input, null, element), output);
        return even | odd;
    }

    /** Which implementation multiplies by the key: "AWS-LC" or "Java" (for operators' logs and benchmarks). */
    public String engine() {
        return keyMultiple.engine();
    }

    public ECPoint publicKey() {
        return pkS;
    }
}
