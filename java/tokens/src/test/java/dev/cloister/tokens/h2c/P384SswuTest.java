package dev.cloister.tokens.h2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.ec.P384Field;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;
import org.junit.jupiter.api.Test;

/**
 * The one-exponentiation P-384 SSWU map against a naive BigInteger transcription of RFC 9380 §6.6.2 (inversion and
 * square roots by modPow), including the exceptional case u = 0 and both sqrt_ratio outcomes.
 */
class P384SswuTest {
    private static final SecP384R1Curve CURVE = new SecP384R1Curve();
    private static final BigInteger P = CURVE.getField().getCharacteristic();
    private static final BigInteger A = P.subtract(BigInteger.valueOf(3));
    private static final BigInteger B = CURVE.getB().toBigInteger();
    private static final BigInteger Z = P.subtract(BigInteger.valueOf(12));

    private static BigInteger inv0(BigInteger x) {
        return x.modPow(P.subtract(BigInteger.TWO), P);
    }

    private static boolean isSquare(BigInteger x) {
        return x.signum() == 0 || x.modPow(P.shiftRight(1), P).equals(BigInteger.ONE);
    }

    private static BigInteger sqrt(BigInteger x) {
        return x.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
    }

    private static BigInteger g(BigInteger x) {
        return x.pow(3).add(A.multiply(x)).add(B).mod(P);
    }

    /** RFC 9380 §6.6.2 steps 1-8, literally. */
    private static BigInteger[] reference(BigInteger u) {
        BigInteger zu2 = Z.multiply(u.pow(2)).mod(P);
        BigInteger tv1 = inv0(zu2.pow(2).add(zu2).mod(P));
        BigInteger x1 =
                B.negate().multiply(inv0(A)).multiply(BigInteger.ONE.add(tv1)).mod(P);
        if (tv1.signum() == 0) {
            x1 = B.multiply(inv0(Z.multiply(A))).mod(P);
        }
        BigInteger gx1 = g(x1);
        BigInteger x2 = zu2.multiply(x1).mod(P);
        BigInteger gx2 = g(x2);
        BigInteger x;
        BigInteger y;
        if (isSquare(gx1)) {
            x = x1;
            y = sqrt(gx1);
        } else {
            x = x2;
            y = sqrt(gx2);
        }
        if (u.testBit(0) != y.testBit(0)) {
            y = P.subtract(y).mod(P);
        }
        return new BigInteger[] {x, y};
    }

    @Test
    void mapMatchesTheNaiveReference() {
        Random random = new Random(9380);
        List<BigInteger> inputs =
                new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO, P.subtract(BigInteger.ONE)));
        for (int i = 0; i < 200; i++) {
            inputs.add(new BigInteger(384, random).mod(P));
        }
        int square = 0;
        for (BigInteger u : inputs) {
            BigInteger[] expected = reference(u);
            int[][] actual = P384Sswu.map(P384Field.fromBigInteger(u));
            assertEquals(expected[0], P384Field.toBigInteger(actual[0]), "x for u = " + u.toString(16));
            assertEquals(expected[1], P384Field.toBigInteger(actual[1]), "y for u = " + u.toString(16));
            assertTrue(CURVE.createPoint(expected[0], expected[1]).isValid());
            square += isSquare(g(expected[0])) && expected[0].equals(referenceX1(u)) ? 1 : 0;
        }
        assertTrue(
                square > 50 && square < inputs.size() - 50, "both branches taken: " + square + " of " + inputs.size());
    }

    private static BigInteger referenceX1(BigInteger u) {
        BigInteger zu2 = Z.multiply(u.pow(2)).mod(P);
        BigInteger tv1 = inv0(zu2.pow(2).add(zu2).mod(P));
        return tv1.signum() == 0
                ? B.multiply(inv0(Z.multiply(A))).mod(P)
                : B.negate().multiply(inv0(A)).multiply(BigInteger.ONE.add(tv1)).mod(P);
    }

    @Test
    void sqrtRatioOfASquareRatio() {
        BigInteger v = BigInteger.valueOf(7);
        BigInteger y = BigInteger.valueOf(123456789);
        BigInteger u = y.pow(2).multiply(v).mod(P); // u / v = y^2
        int[] out = P384Field.create();
        assertTrue(P384Sswu.sqrtRatio(
                P384Field.fromBigInteger(u), P384Field.fromBigInteger(v), out, P384Field.createExt()));
        BigInteger r = P384Field.toBigInteger(out);
        assertEquals(u.multiply(inv0(v)).mod(P), r.pow(2).mod(P));
    }

    @Test
    void sqrtRatioOfANonSquareRatioGivesTheRootOfZTimesIt() {
        BigInteger v = BigInteger.valueOf(5);
        BigInteger u = BigInteger.ONE;
        while (isSquare(u.multiply(inv0(v)).mod(P))) {
            u = u.add(BigInteger.ONE);
        }
        int[] out = P384Field.create();
        assertFalse(P384Sswu.sqrtRatio(
                P384Field.fromBigInteger(u), P384Field.fromBigInteger(v), out, P384Field.createExt()));
        BigInteger r = P384Field.toBigInteger(out);
        assertEquals(Z.multiply(u).multiply(inv0(v)).mod(P), r.pow(2).mod(P));
    }
}
