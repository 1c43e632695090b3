package dev.cloister.tokens.ec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The interleaved multi-scalar multiplication against BouncyCastle's, and the NAF recoding against its definition. */
class P384MultiScalarTest {
    private static final X9ECParameters P384 = CustomNamedCurves.getByName("secp384r1");
    private static final ECCurve CURVE = P384.getCurve();
    private static final ECPoint G = P384.getG();
    private static final BigInteger N = P384.getN();
    private final Random random = new Random(9497);

    private BigInteger randomScalar() {
        return new BigInteger(384, random).mod(N);
    }

    private ECPoint randomPoint() {
        return G.multiply(randomScalar().add(BigInteger.ONE)).normalize();
    }

    private static void assertSame(ECPoint expected, ECPoint actual) {
        assertArrayEquals(expected.normalize().getEncoded(false), actual.getEncoded(false));
    }

    @Test
    void matchesBouncyCastleForBatchesOfRandomTerms() {
        for (int n : new int[] {1, 2, 3, 32, 64}) {
            ECPoint[] a = new ECPoint[n];
            BigInteger[] k = new BigInteger[n];
            for (int i = 0; i < n; i++) {
                a[i] = randomPoint();
                k[i] = randomScalar();
            }
            assertSame(ECAlgorithms.sumOfMultiplies(a, k), P384MultiScalar.sumOfMultiplies(CURVE, a, k));
        }
    }

    @Test
    void handlesRepeatedOppositeAndCancellingTerms() {
        ECPoint p = randomPoint();
        BigInteger d = randomScalar();
        // 2 * (d * P): the accumulator meets the same table entry (doubling inside the addition)
        assertSame(
                p.multiply(d.shiftLeft(1)),
                P384MultiScalar.sumOfMultiplies(CURVE, new ECPoint[] {p, p}, new BigInteger[] {d, d}));
        // d * P + d * (-P) = identity
        assertTrue(P384MultiScalar.sumOfMultiplies(CURVE, new ECPoint[] {p, p.negate()}, new BigInteger[] {d, d})
                .isInfinity());
        // zero scalars contribute nothing
        assertSame(
                p.multiply(d),
                P384MultiScalar.sumOfMultiplies(
                        CURVE, new ECPoint[] {p, randomPoint()}, new BigInteger[] {d, BigInteger.ZERO}));
        assertTrue(P384MultiScalar.sumOfMultiplies(CURVE, new ECPoint[] {p}, new BigInteger[] {BigInteger.ZERO})
                .isInfinity());
        // scalars at the edges
        for (BigInteger k : new BigInteger[] {
            BigInteger.ONE, N.subtract(BigInteger.ONE), BigInteger.ONE.shiftLeft(383), BigInteger.valueOf(31)
        }) {
            assertSame(p.multiply(k), P384MultiScalar.sumOfMultiplies(CURVE, new ECPoint[] {p}, new BigInteger[] {k}));
        }
    }

    @Test
    void nafIsAWidthFiveNonAdjacentFormOfTheScalar() {
        for (int t = 0; t < 500; t++) {
            BigInteger k = t < 40 ? BigInteger.valueOf(t) : new BigInteger(1 + random.nextInt(384), random);
            byte[] naf = P384MultiScalar.naf(k, 5);
            BigInteger value = BigInteger.ZERO;
            int lastNonZero = -100;
            for (int i = naf.length - 1; i >= 0; i--) {
                value = value.shiftLeft(1).add(BigInteger.valueOf(naf[i]));
            }
            for (int i = 0; i < naf.length; i++) {
                if (naf[i] != 0) {
                    assertTrue((naf[i] & 1) == 1 && naf[i] > -16 && naf[i] < 16, "digit " + naf[i]);
                    assertTrue(i - lastNonZero >= 5, "non-zero digits at " + lastNonZero + " and " + i);
                    lastNonZero = i;
                }
            }
            assertEquals(k, value);
        }
    }

    @Test
    void refusesMismatchedLengths() {
        assertThrows(
                IllegalArgumentException.class,
                () -> P384MultiScalar.sumOfMultiplies(
                        CURVE, new ECPoint[] {G}, new BigInteger[] {BigInteger.ONE, BigInteger.TWO}));
    }

    @Test
    void refusesEmptyInput() {
        assertThrows(
                IllegalArgumentException.class,
                () -> P384MultiScalar.sumOfMultiplies(CURVE, new ECPoint[0], new BigInteger[0]));
    }

    @Test
    void refusesNegativeScalar() {
        assertThrows(
                IllegalArgumentException.class,
                () -> P384MultiScalar.sumOfMultiplies(
                        CURVE, new ECPoint[] {G}, new BigInteger[] {BigInteger.ONE.negate()}));
    }

    @Test
    void refusesTheIdentity() {
        assertThrows(
                IllegalArgumentException.class,
                () -> P384MultiScalar.sumOfMultiplies(
                        CURVE, new ECPoint[] {CURVE.getInfinity()}, new BigInteger[] {BigInteger.ONE}));
    }

    @Test
    void refusesAnotherCurve() {
        ECCurve p256 = CustomNamedCurves.getByName("secp256r1").getCurve();
        assertThrows(
                IllegalArgumentException.class,
                () -> P384MultiScalar.sumOfMultiplies(p256, new ECPoint[] {G}, new BigInteger[] {BigInteger.ONE}));
    }
}
