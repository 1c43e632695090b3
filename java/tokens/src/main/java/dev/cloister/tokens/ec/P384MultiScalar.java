package dev.cloister.tokens.ec;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * Σ k[i] * A[i] on NIST P-384 for public scalars (the DLEQ composites M = Σ d[i] * C[i] and Z = Σ d[i] * D[i] of
 * RFC 9497 §2.2.1, and the verifier's two-term checks): interleaved width-5 NAF with one shared chain of doublings.
 * The tables of odd multiples of all points are converted to affine coordinates together (two inversions for the
 * whole batch), so each non-zero digit costs one mixed addition.
 *
 * <p>Variable time: the scalars and points must be public. Inputs chosen by a peer (equal or opposite points) reach
 * the exceptional cases of the addition, which are handled.
 */
public final class P384MultiScalar {
    static final int WIDTH = 5;
    static final int TABLE = 1 << (WIDTH - 2);

    private P384MultiScalar() {}

    /** Σ k[i] * a[i], normalized; the identity when the sum is. Scalars must be non-negative. */
    public static ECPoint sumOfMultiplies(ECCurve curve, ECPoint[] a, BigInteger[] k) {
        if (!(curve instanceof SecP384R1Curve)) {
            throw new IllegalArgumentException(
                    "not the custom P-384 curve: " + curve.getClass().getSimpleName());
        }
        if (a.length != k.length || a.length == 0) {
            throw new IllegalArgumentException(
                    "need as many scalars as points, at least one: " + a.length + " and " + k.length);
        }
        int n = a.length;
        P384Jacobian.Scratch s = new P384Jacobian.Scratch();
        P384Jacobian[] entries = P384OddMultiples.affineTables(curve, a, TABLE, s);
        byte[][] naf = new byte[n][];
        int length = 0;
        for (int i = 0; i < n; i++) {
            if (k[i].signum() < 0) {
                throw new IllegalArgumentException("negative scalar");
            }
            naf[i] = naf(k[i], WIDTH);
            length = Math.max(length, naf[i].length);
        }
        P384Jacobian acc = new P384Jacobian();
        acc.setInfinity();
        int[] negY = P384Field.create();
        for (int bit = length - 1; bit >= 0; bit--) {
            acc.twice(s);
            for (int i = 0; i < n; i++) {
                if (bit >= naf[i].length) {
                    continue;
                }
                int d = naf[i][bit];
                if (d > 0) {
                    P384Jacobian e = entries[i * TABLE + (d >>> 1)];
                    acc.addAffine(e.x, e.y, s);
                } else if (d < 0) {
                    P384Jacobian e = entries[i * TABLE + ((-d) >>> 1)];
                    P384Field.negate(e.y, negY);
                    acc.addAffine(e.x, negY, s);
                }
            }
        }
        if (acc.isInfinity()) {
            return curve.getInfinity();
        }
        P384Jacobian.normalizeAll(new P384Jacobian[] {acc}, s);
        return curve.createPoint(P384Field.toBigInteger(acc.x), P384Field.toBigInteger(acc.y));
    }

    /**
     * The width-w NAF of k ≥ 0, least significant digit first: odd digits in (-2^(w-1), 2^(w-1)), any two non-zero
     * digits at least w positions apart. Reads k's bits from its magnitude words, with a carry, instead of
     * subtracting and shifting BigIntegers.
     */
    static byte[] naf(BigInteger k, int w) {
        int bits = k.bitLength();
        int length = bits + 1;
        byte[] magnitude = k.toByteArray();
        int[] words = new int[(length + 31) / 32 + 1];
        for (int i = 0; i < magnitude.length; i++) {
            int byteIndex = magnitude.length - 1 - i; // little-endian position of magnitude[byteIndex]
            if (i / 4 < words.length) {
                words[i / 4] |= (magnitude[byteIndex] & 0xff) << (8 * (i % 4));
            }
        }
        byte[] digits = new byte[length];
        int carry = 0;
        int bit = 0;
        while (bit < length) {
            if (((words[bit >>> 5] >>> (bit & 31)) & 1) == carry) {
                bit++;
                continue;
            }
            int now = Math.min(w, length - bit);
            int word = bits(words, bit, now) + carry;
            carry = (word >>> (w - 1)) & 1;
            word -= carry << w;
            digits[bit] = (byte) word;
            bit += now;
        }
        return digits;
    }

    /** count (≤ 31) bits of the little-endian words starting at bit offset. */
    private static int bits(int[] words, int offset, int count) {
        long window = words[offset >>> 5] & 0xFFFFFFFFL;
        if ((offset >>> 5) + 1 < words.length) {
            window |= (words[(offset >>> 5) + 1] & 0xFFFFFFFFL) << 32;
        }
        return (int) ((window >>> (offset & 31)) & ((1L << count) - 1));
    }
}
