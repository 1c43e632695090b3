package dev.cloister.tokens.oprf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** The client of the verifiable OPRF, modeVOPRF (RFC 9497 §3.3.2), bound to the server's public key. Thread-safe. */
public final class VoprfClient {
    private final OprfContext ctx;
    private final ECPoint pkS;

    public VoprfClient(OprfSuite suite, ECPoint pkS) {
        this.ctx = OprfContext.of(suite, OprfMode.VOPRF);
        this.pkS = Objects.requireNonNull(pkS, "pkS").normalize();
        if (this.pkS.isInfinity() || !this.pkS.isValid()) {
            throw new IllegalArgumentException("pkS must be a valid non-identity point");
        }
    }

    /** Blind(input) of §3.3.1, shared by the VOPRF. */
    public BlindOutput blind(byte[] input, RandomScalars random) throws InvalidInputException {
        return OprfClient.blind(ctx, input, random);
    }

    /**
     * Finalize over a batch (§3.3.2): verifies the single batched DLEQ proof against pkS, then unblinds and hashes
     * each element. All lists are in the same order and of the same length.
     *
     * @throws VerifyException if the proof does not verify; no output is produced then
     */
    public List<byte[]> finalize(
            List<byte[]> inputs,
            List<Blind> blinds,
            List<EvaluatedElement> evaluatedElements,
            List<BlindedElement> blindedElements,
            Proof proof)
            throws VerifyException {
        int n = inputs.size();
        if (blinds.size() != n || evaluatedElements.size() != n || blindedElements.size() != n || n == 0) {
            throw new IllegalArgumentException("batch lists differ in length or are empty: " + n + ", " + blinds.size()
                    + ", " + evaluatedElements.size() + ", " + blindedElements.size());
        }
        List<ECPoint> c = new ArrayList<>(n);
        List<ECPoint> d = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            c.add(blindedElements.get(i).point());
            d.add(evaluatedElements.get(i).point());
        }
        if (!Dleq.verifyProof(ctx, pkS, c, d, proof)) {
            throw new VerifyException(ctx.suite.identifier() + ": VOPRF proof does not verify against the server key");
        }
        List<byte[]> outputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outputs.add(OprfClient.unblindAndHash(ctx, inputs.get(i), null, blinds.get(i), evaluatedElements.get(i)));
        }
        return outputs;
    }

    public ECPoint publicKey() {
        return pkS;
    }
}
