package dev.cloister.tokens.oprf;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.List;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The discrete-log-equality proofs of RFC 9497 §2.2 with batching (§2.2.1 ComputeComposites): one proof that
 * every D[i] = k * C[i] for the k with B = k * A. Here A is always the group generator.
 */
final class Dleq {
    private static final byte[] COMPOSITE = OprfContext.ascii("Composite");
    private static final byte[] CHALLENGE = OprfContext.ascii("Challenge");

    private Dleq() {}

    /** (M, Z) of ComputeComposites / ComputeCompositesFast. */
    private record Composites(ECPoint m, ECPoint z) {}

    /** GenerateProof(k, A = G, B, C, D) of §2.2.1. */
    static Proof generateProof(
            OprfContext ctx, BigInteger k, ECPoint b, List<ECPoint> c, List<ECPoint> d, BigInteger r) {
        return generateProof(ctx, k, ctx.group.fixedScalarMultiplier(k), b, c, d, r);
    }

    /** GenerateProof(k, A = G, B, C, D) of §2.2.1, with k's multiplier already prepared ({@code kTimes} = k * ·). */
    static Proof generateProof(
            OprfContext ctx,
            BigInteger k,
            FixedScalarMultiplier kTimes,
            ECPoint b,
            List<ECPoint> c,
            List<ECPoint> d,
            BigInteger r) {
        Group g = ctx.group;
        Composites composites = computeComposites(ctx, kTimes, b, c, d);
        ECPoint t2 = g.multiplyGenerator(r);
        ECPoint t3 = g.multiplyNonce(composites.m, r);
        BigInteger challenge = challenge(ctx, b, composites.m, composites.z, t2, t3);
        BigInteger s = r.subtract(challenge.multiply(k)).mod(g.order());
        return new Proof(challenge, s);
    }

    /** VerifyProof(A = G, B, C, D, proof) of §2.2.2. */
    static boolean verifyProof(OprfContext ctx, ECPoint b, List<ECPoint> c, List<ECPoint> d, Proof proof) {
        Group g = ctx.group;
        if (proof.c().compareTo(g.order()) >= 0 || proof.s().compareTo(g.order()) >= 0) {
            return false;
        }
        Composites composites = computeComposites(ctx, null, b, c, d);
        ECPoint t2 = ECAlgorithms.sumOfTwoMultiplies(g.generator(), proof.s(), b, proof.c());
        ECPoint t3 = ECAlgorithms.sumOfTwoMultiplies(composites.m, proof.s(), composites.z, proof.c());
        if (composites.m.isInfinity() || composites.z.isInfinity() || t2.isInfinity() || t3.isInfinity()) {
            return false;
        }
        BigInteger expected = challenge(ctx, b, composites.m, composites.z, t2, t3);
        return MessageDigest.isEqual(g.serializeScalar(expected), g.serializeScalar(proof.c()));
    }

    /**
     * ComputeComposites (verifier, {@code kTimes == null}: Z = Σ d[i] * D[i]) and ComputeCompositesFast (prover:
     * Z = k * M) of §2.2.1, with M and the verifier's Z each computed as one multi-scalar multiplication.
     */
    private static Composites computeComposites(
            OprfContext ctx, FixedScalarMultiplier kTimes, ECPoint b, List<ECPoint> c, List<ECPoint> d) {
        Group g = ctx.group;
        if (c.size() != d.size() || c.isEmpty() || c.size() > 0xffff) {
            throw new IllegalArgumentException(
                    "composites need equally long, non-empty lists, got " + c.size() + " and " + d.size());
        }
        byte[] bm = g.serializeElement(b);
        MessageDigest h = ctx.hash();
        OprfContext.lengthPrefixed(h, bm);
        OprfContext.lengthPrefixed(h, ctx.seedDst);
        byte[] seed = h.digest();

        int n = c.size();
        BigInteger[] di = new BigInteger[n];
        ECPoint[] cs = c.toArray(new ECPoint[0]);
        ECPoint[] ds = d.toArray(new ECPoint[0]);
        ByteArrayOutputStream transcript = new ByteArrayOutputStream(
                2 + seed.length + 2 + 4 + 2 * g.suite().ne() + COMPOSITE.length);
        for (int i = 0; i < n; i++) {
            transcript.reset();
            OprfContext.lengthPrefixed(transcript, seed);
            transcript.write(i >>> 8);
            transcript.write(i);
            OprfContext.lengthPrefixed(transcript, g.serializeElement(cs[i]));
            OprfContext.lengthPrefixed(transcript, g.serializeElement(ds[i]));
            transcript.writeBytes(COMPOSITE);
            di[i] = ctx.hashToScalar(transcript.toByteArray());
        }
        ECPoint m = g.sumOfMultiplies(cs, di);
        ECPoint z = kTimes != null ? kTimes.multiply(m) : g.sumOfMultiplies(ds, di);
        ECPoint[] mz = {m, z};
        g.normalizeAll(mz);
        return new Composites(mz[0], mz[1]);
    }

    /** c = HashToScalar(framed Bm ‖ a0 ‖ a1 ‖ a2 ‖ a3 ‖ "Challenge"). */
    private static BigInteger challenge(OprfContext ctx, ECPoint b, ECPoint m, ECPoint z, ECPoint t2, ECPoint t3) {
        Group g = ctx.group;
        ECPoint[] points = {b, m, z, t2, t3};
        g.normalizeAll(points);
        ByteArrayOutputStream transcript =
                new ByteArrayOutputStream(5 * (2 + g.suite().ne()) + CHALLENGE.length);
        for (ECPoint p : points) {
            OprfContext.lengthPrefixed(transcript, g.serializeElement(p));
        }
        transcript.writeBytes(CHALLENGE);
        return ctx.hashToScalar(transcript.toByteArray());
    }
}
