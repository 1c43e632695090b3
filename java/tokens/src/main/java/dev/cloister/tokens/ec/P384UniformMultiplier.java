package dev.cloister.tokens.ec;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * r * A on NIST P-384 for a secret scalar used once (the DLEQ proof nonce r in t3 = r * M), with the same sequence of
 * operations for every r: r (or n - r, when r is even, with the result negated by a mask) is recoded into 77 signed
 * odd digits of 5 bits (digit i is read from fixed bit positions, never from r's length), then 380 doublings and 76
 * mixed additions run whatever r is, each addition reading the 16-entry table of odd multiples with a mask.
 * The exceptional cases of the addition cannot occur: before digit i the accumulator is 32 * J * A with
 * 0 &lt; J &lt; order / 32 (the top digit is positive and every digit is below 32 in absolute value), so
 * 32 * J * A is never +-d * A. The field arithmetic is BouncyCastle's (its final conditional reductions depend on values).
 *
 * <p>Unlike {@link P384FixedScalarMultiplier}, whose sequence follows the NAF of its one key, nothing here depends on
 * the scalar, which matters for a fresh nonce: timing that depends on a nonce's length leaks the key through
 * s = r - c * k.
 */
public final class P384UniformMultiplier {
    private static final int WIDTH = 5;
    private static final int TABLE = 1 << (WIDTH - 1); // odd multiples 1, 3, ..., 31
    private static final int DIGITS = 77; // 5 * 76 + 1 = 381, top digit from bits 381..383
    private static final BigInteger ORDER = new SecP384R1Curve().getOrder();

    private P384UniformMultiplier() {}

    /** r * a, normalized; 0 &lt; r &lt; order and {@code a} a point of {@code curve} other than the identity. */
    public static ECPoint multiply(ECCurve curve, ECPoint a, BigInteger r) {
        if (!(curve instanceof SecP384R1Curve)) {
            throw new IllegalArgumentException(
                    "not the custom P-384 curve: " + curve.getClass().getSimpleName());
        }
        if (r.signum() <= 0 || r.compareTo(ORDER) >= 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
        int even = r.testBit(0) ? 0 : -1; // mask: -1 when r is even
        int[] words = new int[P384Field.WORDS + 1];
        int[] rWords = P384Field.fromBigInteger(r); // r < order < p: canonical words of r
        int[] nWords = P384Field.fromBigInteger(ORDER);
        int[] odd = new int[P384Field.WORDS];
        long borrow = 0;
        for (int i = 0; i < P384Field.WORDS; i++) { // n - r, computed always
            borrow += (nWords[i] & 0xFFFFFFFFL) - (rWords[i] & 0xFFFFFFFFL);
            odd[i] = (int) borrow;
            borrow >>= 32;
        }
        for (int i = 0; i < P384Field.WORDS; i++) {
            words[i] = (rWords[i] & ~even) | (odd[i] & even);
        }
        byte[] digits = recode(words);

        P384Jacobian.Scratch s = new P384Jacobian.Scratch();
        P384Jacobian[] table = P384OddMultiples.affineTables(curve, new ECPoint[] {a}, TABLE, s);
        int[] ex = P384Field.create();
        int[] ey = P384Field.create();
        int[] negY = P384Field.create();
        P384Jacobian acc = new P384Jacobian();
        P384OddMultiples.select(table, 0, TABLE, digits[DIGITS - 1], ex, ey, negY);
        acc.setAffine(ex, ey);
        for (int i = DIGITS - 2; i >= 0; i--) {
            for (int j = 0; j < WIDTH; j++) {
                acc.twice(s);
            }
            P384OddMultiples.select(table, 0, TABLE, digits[i], ex, ey, negY);
            acc.addAffine(ex, ey, s);
        }
        P384Jacobian.normalizeAll(new P384Jacobian[] {acc}, s);
        P384Field.negate(acc.y, negY);
        for (int w = 0; w < P384Field.WORDS; w++) {
            acc.y[w] = (acc.y[w] & ~even) | (negY[w] & even);
        }
        return curve.createPoint(P384Field.toBigInteger(acc.x), P384Field.toBigInteger(acc.y));
    }

    /**
     * The signed odd digits of an odd k &lt; 2^384 (little-endian words), least significant first, with
     * k = Σ d[i] * 32^i: d[0] = (k mod 64) - 32, d[i] = (2 * bits(k, 5i+1 .. 5i+5) + 1) - 32 for 0 &lt; i &lt; 76,
     * d[76] = 2 * (k &gt;&gt; 381) + 1. (k_i = 2 * floor(k_(i-1) / 64) + 1 is the remainder after i digits.)
     */
    static byte[] recode(int[] k) {
        byte[] d = new byte[DIGITS];
        d[0] = (byte) ((k[0] & 63) - 32);
        for (int i = 1; i < DIGITS - 1; i++) {
            d[i] = (byte) (((bits(k, 5 * i + 1, 5) << 1) | 1) - 32);
        }
        d[DIGITS - 1] = (byte) ((bits(k, 381, 3) << 1) | 1);
        return d;
    }

    private static int bits(int[] k, int offset, int count) {
        long window = (k[offset >>> 5] & 0xFFFFFFFFL) | ((k[(offset >>> 5) + 1] & 0xFFFFFFFFL) << 32);
        return (int) ((window >>> (offset & 31)) & ((1L << count) - 1));
    }
}
