package dev.cloister.tokens.h2c;

import dev.cloister.tokens.ec.P384Field;
import java.math.BigInteger;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * RFC 9380 §6.6.2 simplified SWU for P-384 (Z = -12) in the straight-line form of Appendix F.2, with
 * sqrt_ratio for q = 3 (mod 4) of Appendix F.2.1.2: one exponentiation and one inversion per field element, where
 * the textbook steps take an inversion and one or two square roots. On {@link P384Field} words, allocation-free per
 * step. Not constant time: its inputs are hashes of public data (token inputs). Thread-safe (state per call).
 */
final class P384Sswu {
    private static final BigInteger P = new SecP384R1Curve().getField().getCharacteristic();
    private static final int[] A = P384Field.fromBigInteger(P.subtract(BigInteger.valueOf(3)));
    private static final int[] B =
            P384Field.fromBigInteger(new SecP384R1Curve().getB().toBigInteger());
    private static final int[] Z = P384Field.fromBigInteger(P.subtract(BigInteger.valueOf(12)));
    private static final int[] ONE = P384Field.fromBigInteger(BigInteger.ONE);
    /** c2 = sqrt(-Z) = sqrt(12). */
    private static final int[] C2;

    static {
        BigInteger twelve = BigInteger.valueOf(12);
        BigInteger root = twelve.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
        if (!root.multiply(root).mod(P).equals(twelve)) {
            throw new ExceptionInInitializerError("-Z is not a square mod p");
        }
        C2 = P384Field.fromBigInteger(root);
    }

    private P384Sswu() {}

    /** map_to_curve_simple_swu(u): the affine point as {x, y}, each canonical field words. */
    static int[][] map(int[] u) {
        int[] tt = P384Field.createExt();
        int[] tv1 = P384Field.create();
        int[] tv2 = P384Field.create();
        int[] tv3 = P384Field.create();
        int[] tv4 = P384Field.create();
        int[] tv5 = P384Field.create();
        int[] tv6 = P384Field.create();
        int[] x = P384Field.create();
        int[] y = P384Field.create();
        P384Field.square(u, tv1, tt); //  1. tv1 = u^2
        P384Field.multiply(Z, tv1, tv1, tt); //  2. tv1 = Z * tv1
        P384Field.square(tv1, tv2, tt); //  3. tv2 = tv1^2
        P384Field.add(tv2, tv1, tv2); //  4. tv2 = tv2 + tv1
        P384Field.add(tv2, ONE, tv3); //  5. tv3 = tv2 + 1
        P384Field.multiply(B, tv3, tv3, tt); //  6. tv3 = B * tv3
        if (P384Field.isZero(tv2)) { //  7. tv4 = CMOV(Z, -tv2, tv2 != 0)
            P384Field.copy(Z, tv4);
        } else {
            P384Field.negate(tv2, tv4);
        }
        P384Field.multiply(A, tv4, tv4, tt); //  8. tv4 = A * tv4
        P384Field.square(tv3, tv2, tt); //  9. tv2 = tv3^2
        P384Field.square(tv4, tv6, tt); // 10. tv6 = tv4^2
        P384Field.multiply(A, tv6, tv5, tt); // 11. tv5 = A * tv6
        P384Field.add(tv2, tv5, tv2); // 12. tv2 = tv2 + tv5
        P384Field.multiply(tv2, tv3, tv2, tt); // 13. tv2 = tv2 * tv3
        P384Field.multiply(tv6, tv4, tv6, tt); // 14. tv6 = tv6 * tv4
        P384Field.multiply(B, tv6, tv5, tt); // 15. tv5 = B * tv6
        P384Field.add(tv2, tv5, tv2); // 16. tv2 = tv2 + tv5
        P384Field.multiply(tv1, tv3, x, tt); // 17. x = tv1 * tv3
        int[] y1 = P384Field.create();
        boolean isGx1Square = sqrtRatio(tv2, tv6, y1, tt); // 18. (is_gx1_square, y1) = sqrt_ratio(tv2, tv6)
        P384Field.multiply(tv1, u, y, tt); // 19. y = tv1 * u
        P384Field.multiply(y, y1, y, tt); // 20. y = y * y1
        if (isGx1Square) {
            P384Field.copy(tv3, x); // 21. x = CMOV(x, tv3, is_gx1_square)
            P384Field.copy(y1, y); // 22. y = CMOV(y, y1, is_gx1_square)
        }
        if (P384Field.sgn0(u) != P384Field.sgn0(y)) { // 23.-24. y = CMOV(-y, y, sgn0(u) == sgn0(y))
            P384Field.negate(y, y);
        }
        P384Field.invert(tv4, tv5); // 25. x = x / tv4
        P384Field.multiply(x, tv5, x, tt);
        return new int[][] {x, y};
    }

    /**
     * sqrt_ratio(u, v) of Appendix F.2.1.2 for q = 3 (mod 4): y = sqrt(u / v) and true when u / v is square,
     * else y = sqrt(Z * u / v) and false.
     */
    static boolean sqrtRatio(int[] u, int[] v, int[] y, int[] tt) {
        int[] tv1 = P384Field.create();
        int[] tv2 = P384Field.create();
        int[] tv3 = P384Field.create();
        P384Field.square(v, tv1, tt); // 1. tv1 = v^2
        P384Field.multiply(u, v, tv2, tt); // 2. tv2 = u * v
        P384Field.multiply(tv1, tv2, tv1, tt); // 3. tv1 = tv1 * tv2
        P384Field.powPMinus3Over4(tv1, y, tt); // 4. y1 = tv1^c1
        P384Field.multiply(y, tv2, y, tt); // 5. y1 = y1 * tv2
        P384Field.square(y, tv3, tt); // 7. tv3 = y1^2
        P384Field.multiply(tv3, v, tv3, tt); // 8. tv3 = tv3 * v
        boolean isQR = P384Field.equal(tv3, u); // 9. isQR = tv3 == u
        if (!isQR) {
            P384Field.multiply(y, C2, y, tt); // 6., 10. y = CMOV(y1 * c2, y1, isQR)
        }
        return isQR;
    }
}
