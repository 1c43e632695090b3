package dev.cloister.tokens.ec;

import java.math.BigInteger;
import java.util.Objects;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * k * A on NIST P-384 for one fixed scalar k and many variable points A (the issuer's and the redeemer's key applied
 * to blinded elements and token inputs): a variable-base, fixed-scalar multiplication.
 *
 * <p>The width-5 NAF of k is computed once, at construction. Each multiplication builds the table of odd multiples
 * A, 3A, ..., 15A, converts it to affine coordinates (one inversion, shared by all points of a batch), then runs one
 * doubling per bit of k and one mixed addition per non-zero digit.
 *
 * <p>Side channels: the sequence of doublings and additions depends on k alone, so it is the same for every input
 * (a timing observer sees one constant, never a function of the request). Table entries are read by scanning the
 * whole table and selecting with masks, and negation is selected with a mask, so the memory access pattern does not
 * reveal digit values. The exceptional branches of the addition (H = 0) are never taken: the partial sum before a
 * digit d is j * A with |d| &lt; 16 &lt; 32 &lt;= j &lt; order (the top digit is positive and non-zero digits are at
 * least five positions apart, so j = 2^g * J with g &gt;= 5 and J &gt;= 1), and A has prime order. The field arithmetic is BouncyCastle's, whose final conditional reductions depend on
 * the values, as in its own multipliers. This is the same exposure as BouncyCastle's {@code WNafL2RMultiplier} used
 * before, minus the per-call recoding of k and the secret-indexed table reads.
 *
 * <p>Immutable and thread-safe; each call uses its own scratch space.
 */
public final class P384FixedScalarMultiplier {
    private static final int WIDTH = 5;
    private static final int TABLE = 1 << (WIDTH - 2); // odd multiples 1, 3, ..., 2^(WIDTH-1) - 1
    private static final BigInteger ORDER = new SecP384R1Curve().getOrder();

    private final ECCurve curve;
    /** The width-5 NAF of k, least significant digit first; every non-zero digit is odd and in (-16, 16). */
    private final byte[] naf;

    /**
     * @param curve the curve the input and output points live on: BouncyCastle's custom {@link SecP384R1Curve}
     * @param k     the fixed scalar, 0 &lt; k &lt; order
     */
    public P384FixedScalarMultiplier(ECCurve curve, BigInteger k) {
        if (!(Objects.requireNonNull(curve, "curve") instanceof SecP384R1Curve)) {
            throw new IllegalArgumentException(
                    "not the custom P-384 curve: " + curve.getClass().getSimpleName());
        }
        if (k.signum() <= 0 || k.compareTo(ORDER) >= 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
        this.curve = curve;
        this.naf = nafOf(k);
    }

    /** The width-5 non-adjacent form of k (at most 385 digits). */
    private static byte[] nafOf(BigInteger k) {
        byte[] digits = new byte[k.bitLength() + 1];
        int mod = 1 << WIDTH;
        int i = 0;
        while (k.signum() > 0) {
            if (k.testBit(0)) {
                int d = k.intValue() & (mod - 1);
                if (d >= mod / 2) {
                    d -= mod;
                }
                digits[i] = (byte) d;
                k = k.subtract(BigInteger.valueOf(d));
            }
            k = k.shiftRight(1);
            i++;
        }
        return java.util.Arrays.copyOf(digits, i);
    }

    /** k * a, normalized (affine). {@code a} must be a point of this curve other than the identity. */
    public ECPoint multiply(ECPoint a) {
        return multiplyAll(new ECPoint[] {a})[0];
    }

    /** k * a[i] for every i, normalized; the affine conversions take three inversions for the whole batch. */
    public ECPoint[] multiplyAll(ECPoint[] a) {
        int n = a.length;
        P384Jacobian.Scratch s = new P384Jacobian.Scratch();
        P384Jacobian[] entries = P384OddMultiples.affineTables(curve, a, TABLE, s);

        P384Jacobian[] out = new P384Jacobian[n];
        int[] ex = P384Field.create();
        int[] ey = P384Field.create();
        int[] negY = P384Field.create();
        for (int i = 0; i < n; i++) {
            P384Jacobian acc = new P384Jacobian();
            int top = naf.length - 1;
            P384OddMultiples.select(entries, i * TABLE, TABLE, naf[top], ex, ey, negY);
            acc.setAffine(ex, ey);
            for (int b = top - 1; b >= 0; b--) {
                acc.twice(s);
                int d = naf[b];
                if (d != 0) {
                    P384OddMultiples.select(entries, i * TABLE, TABLE, d, ex, ey, negY);
                    acc.addAffine(ex, ey, s);
                }
            }
            out[i] = acc;
        }
        P384Jacobian.normalizeAll(out, s);
        ECPoint[] result = new ECPoint[n];
        for (int i = 0; i < n; i++) {
            result[i] = curve.createPoint(P384Field.toBigInteger(out[i].x), P384Field.toBigInteger(out[i].y));
        }
        return result;
    }
}
