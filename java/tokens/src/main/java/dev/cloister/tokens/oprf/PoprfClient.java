package dev.cloister.tokens.oprf;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** The client of the partially-oblivious OPRF, modePOPRF (RFC 9497 §3.3.3). Thread-safe. */
public final class PoprfClient {
    private final OprfContext ctx;
    private final ECPoint pkS;

    public PoprfClient(OprfSuite suite, ECPoint pkS) {
        this.ctx = OprfContext.of(suite, OprfMode.POPRF);
        this.pkS = Objects.requireNonNull(pkS, "pkS").normalize();
        if (this.pkS.isInfinity() || !this.pkS.isValid()) {
            throw new IllegalArgumentException("pkS must be a valid non-identity point");
        }
    }

    /** Blind(input, info, pkS) of §3.3.3: also returns tweakedKey = G * HashToScalar(framedInfo) + pkS. */
    public PoprfBlindOutput blind(byte[] input, byte[] info, RandomScalars random) throws InvalidInputException {
        Objects.requireNonNull(info, "info");
        BigInteger m = ctx.infoScalar(info);
        ECPoint tweakedKey = ctx.group.multiplyGenerator(m).add(pkS).normalize();
        if (tweakedKey.isInfinity()) {
            throw new InvalidInputException(ctx.suite.identifier() + ": POPRF tweaked key is the identity");
        }
        BlindOutput out = OprfClient.blind(ctx, input, random);
        return new PoprfBlindOutput(out.blind(), out.blindedElement(), tweakedKey);
    }

    /**
     * Finalize(input, blind, evaluatedElement, blindedElement, proof, info, tweakedKey) of §3.3.3 over a batch:
     * VerifyProof(G, tweakedKey, evaluatedElements, blindedElements, proof), then unblind and hash with info.
     */
    public List<byte[]> finalize(
            List<byte[]> inputs,
            List<Blind> blinds,
            List<EvaluatedElement> evaluatedElements,
            List<BlindedElement> blindedElements,
            Proof proof,
            byte[] info,
            ECPoint tweakedKey)
            throws VerifyException {
        int n = inputs.size();
        if (blinds.size() != n || evaluatedElements.size() != n || blindedElements.size() != n || n == 0) {
            throw new IllegalArgumentException("batch lists differ in length or are empty");
        }
        List<ECPoint> c = new ArrayList<>(n);
        List<ECPoint> d = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            c.add(evaluatedElements.get(i).point());
            d.add(blindedElements.get(i).point());
        }
        if (!Dleq.verifyProof(ctx, tweakedKey.normalize(), c, d, proof)) {
            throw new VerifyException(ctx.suite.identifier() + ": POPRF proof does not verify against the tweaked key");
        }
        List<byte[]> outputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outputs.add(OprfClient.unblindAndHash(ctx, inputs.get(i), info, blinds.get(i), evaluatedElements.get(i)));
        }
        return outputs;
    }
}
