package dev.cloister.tokens.ec;

import java.math.BigInteger;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Field;
import org.bouncycastle.math.raw.Nat;

/**
 * Arithmetic in GF(p), p = 2^384 - 2^128 - 2^96 + 2^32 - 1 (NIST P-384), on twelve little-endian 32-bit words that
 * always hold the canonical value in [0, p). Multiplication, addition, inversion and the Solinas reduction are
 * BouncyCastle's {@link SecP384R1Field}; squaring computes the 768-bit square column by column (each cross product
 * once, doubled) with independent accumulators, which is about a quarter faster than BouncyCastle's, and hands it to the
 * same reduction. Callers pass the 24-word scratch {@code tt}, so nothing is allocated per operation.
 * Public for {@code h2c}; not an API.
 */
public final class P384Field {
    public static final int WORDS = 12;
    private static final long M = 0xFFFFFFFFL;

    private P384Field() {}

    public static int[] create() {
        return new int[WORDS];
    }

    public static int[] createExt() {
        return new int[2 * WORDS];
    }

    public static int[] fromBigInteger(BigInteger v) {
        return SecP384R1Field.fromBigInteger(v);
    }

    public static BigInteger toBigInteger(int[] x) {
        return Nat.toBigInteger(WORDS, x);
    }

    public static void copy(int[] x, int[] z) {
        System.arraycopy(x, 0, z, 0, WORDS);
    }

    public static boolean isZero(int[] x) {
        return SecP384R1Field.isZero(x) != 0;
    }

    public static boolean equal(int[] x, int[] y) {
        return Nat.eq(WORDS, x, y);
    }

    /** The least significant bit of the canonical value: sgn0 of RFC 9380 §4.1 for m = 1. */
    public static int sgn0(int[] x) {
        return x[0] & 1;
    }

    public static void add(int[] x, int[] y, int[] z) {
        SecP384R1Field.add(x, y, z);
    }

    public static void subtract(int[] x, int[] y, int[] z) {
        SecP384R1Field.subtract(x, y, z);
    }

    public static void twice(int[] x, int[] z) {
        SecP384R1Field.twice(x, z);
    }

    public static void negate(int[] x, int[] z) {
        SecP384R1Field.negate(x, z);
    }

    public static void multiply(int[] x, int[] y, int[] z, int[] tt) {
        SecP384R1Field.multiply(x, y, z, tt);
    }

    public static void square(int[] x, int[] z, int[] tt) {
        square768(x, tt);
        SecP384R1Field.reduce(tt, z);
    }

    /** z = x^(2^n), n &gt;= 1. */
    public static void squareN(int[] x, int n, int[] z, int[] tt) {
        square(x, z, tt);
        for (int i = 1; i < n; i++) {
            square(z, z, tt);
        }
    }

    /**
     * z = x^((p - 3) / 4), the exponent c1 of RFC 9380 F.2.1.2; (p - 3) / 4 = 2^382 - 2^126 - 2^94 + 2^30 - 1, whose bits are 255 ones, a zero, 32 ones,
     * 64 zeros and 30 ones. a_k below is x^(2^k - 1). 381 squarings, 13 multiplications.
     */
    public static void powPMinus3Over4(int[] x, int[] z, int[] tt) {
        int[] a2 = P384Field.create();
        int[] a3 = P384Field.create();
        int[] a15 = P384Field.create();
        int[] a30 = P384Field.create();
        int[] t = P384Field.create();
        P384Field.square(x, a2, tt);
        P384Field.multiply(a2, x, a2, tt); // a2
        P384Field.square(a2, a3, tt);
        P384Field.multiply(a3, x, a3, tt); // a3
        P384Field.squareN(a3, 3, t, tt);
        P384Field.multiply(t, a3, t, tt); // a6
        P384Field.squareN(t, 6, a15, tt);
        P384Field.multiply(a15, t, a15, tt); // a12
        P384Field.squareN(a15, 3, a15, tt);
        P384Field.multiply(a15, a3, a15, tt); // a15
        P384Field.squareN(a15, 15, a30, tt);
        P384Field.multiply(a30, a15, a30, tt); // a30
        P384Field.squareN(a30, 30, t, tt);
        P384Field.multiply(t, a30, t, tt); // a60
        P384Field.squareN(t, 60, z, tt);
        P384Field.multiply(z, t, t, tt); // a120
        P384Field.squareN(t, 120, z, tt);
        P384Field.multiply(z, t, t, tt); // a240
        P384Field.squareN(t, 15, t, tt);
        P384Field.multiply(t, a15, t, tt); // a255
        P384Field.squareN(a30, 2, z, tt);
        P384Field.multiply(z, a2, a2, tt); // a32 (a2 is not needed again)
        P384Field.squareN(t, 1 + 32, t, tt);
        P384Field.multiply(t, a2, t, tt); // 255 ones, 0, 32 ones
        P384Field.squareN(t, 94, t, tt);
        P384Field.multiply(t, a30, z, tt); // 64 zeros, 30 ones
    }

    /**
     * z = sqrt(x) = x^((p + 1) / 4) (p = 3 mod 4) and true when x is a square; otherwise z is unspecified and the
     * result false. Not constant time (used on public data: received points).
     */
    public static boolean sqrt(int[] x, int[] z, int[] tt) {
        int[] r = create();
        powPMinus3Over4(x, r, tt);
        multiply(r, x, r, tt);
        int[] check = create();
        square(r, check, tt);
        copy(r, z);
        return equal(check, x);
    }

    /** z = 1 / x (x non-zero). */
    public static void invert(int[] x, int[] z) {
        SecP384R1Field.inv(x, z);
    }

    /** zz = x^2 as a 768-bit value (24 words), the same value as BouncyCastle's {@code Nat384.square}. */
    static void square768(int[] x, int[] zz) {
        long x0 = x[0] & M;
        long x1 = x[1] & M;
        long x2 = x[2] & M;
        long x3 = x[3] & M;
        long x4 = x[4] & M;
        long x5 = x[5] & M;
        long x6 = x[6] & M;
        long x7 = x[7] & M;
        long x8 = x[8] & M;
        long x9 = x[9] & M;
        long x10 = x[10] & M;
        long x11 = x[11] & M;
        long p;
        long l;
        long h;
        long hp = 0;
        long c = 0;
        // column 0
        l = 0;
        h = 0;
        p = x0 * x0;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[0] = (int) c;
        c >>>= 32;
        hp = h;
        // column 1
        l = 0;
        h = 0;
        p = x0 * x1;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[1] = (int) c;
        c >>>= 32;
        hp = h;
        // column 2
        l = 0;
        h = 0;
        p = x0 * x2;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x1;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[2] = (int) c;
        c >>>= 32;
        hp = h;
        // column 3
        l = 0;
        h = 0;
        p = x0 * x3;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x2;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[3] = (int) c;
        c >>>= 32;
        hp = h;
        // column 4
        l = 0;
        h = 0;
        p = x0 * x4;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x3;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x2;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[4] = (int) c;
        c >>>= 32;
        hp = h;
        // column 5
        l = 0;
        h = 0;
        p = x0 * x5;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x4;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x3;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[5] = (int) c;
        c >>>= 32;
        hp = h;
        // column 6
        l = 0;
        h = 0;
        p = x0 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x5;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x4;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x3;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[6] = (int) c;
        c >>>= 32;
        hp = h;
        // column 7
        l = 0;
        h = 0;
        p = x0 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x5;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x4;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[7] = (int) c;
        c >>>= 32;
        hp = h;
        // column 8
        l = 0;
        h = 0;
        p = x0 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x5;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x4;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[8] = (int) c;
        c >>>= 32;
        hp = h;
        // column 9
        l = 0;
        h = 0;
        p = x0 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x5;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[9] = (int) c;
        c >>>= 32;
        hp = h;
        // column 10
        l = 0;
        h = 0;
        p = x0 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x5;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[10] = (int) c;
        c >>>= 32;
        hp = h;
        // column 11
        l = 0;
        h = 0;
        p = x0 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x1 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x6;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[11] = (int) c;
        c >>>= 32;
        hp = h;
        // column 12
        l = 0;
        h = 0;
        p = x1 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x2 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x6 * x6;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[12] = (int) c;
        c >>>= 32;
        hp = h;
        // column 13
        l = 0;
        h = 0;
        p = x2 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x3 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x6 * x7;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[13] = (int) c;
        c >>>= 32;
        hp = h;
        // column 14
        l = 0;
        h = 0;
        p = x3 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x4 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x6 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x7 * x7;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[14] = (int) c;
        c >>>= 32;
        hp = h;
        // column 15
        l = 0;
        h = 0;
        p = x4 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x5 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x6 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x7 * x8;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[15] = (int) c;
        c >>>= 32;
        hp = h;
        // column 16
        l = 0;
        h = 0;
        p = x5 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x6 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x7 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x8 * x8;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[16] = (int) c;
        c >>>= 32;
        hp = h;
        // column 17
        l = 0;
        h = 0;
        p = x6 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x7 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x8 * x9;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[17] = (int) c;
        c >>>= 32;
        hp = h;
        // column 18
        l = 0;
        h = 0;
        p = x7 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x8 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x9 * x9;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[18] = (int) c;
        c >>>= 32;
        hp = h;
        // column 19
        l = 0;
        h = 0;
        p = x8 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x9 * x10;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[19] = (int) c;
        c >>>= 32;
        hp = h;
        // column 20
        l = 0;
        h = 0;
        p = x9 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        p = x10 * x10;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[20] = (int) c;
        c >>>= 32;
        hp = h;
        // column 21
        l = 0;
        h = 0;
        p = x10 * x11;
        l += (p & M) << 1;
        h += (p >>> 32) << 1;
        c += l + hp;
        zz[21] = (int) c;
        c >>>= 32;
        hp = h;
        // column 22
        l = 0;
        h = 0;
        p = x11 * x11;
        l += p & M;
        h += p >>> 32;
        c += l + hp;
        zz[22] = (int) c;
        c >>>= 32;
        hp = h;
        c += hp;
        zz[23] = (int) c;
    }
}
