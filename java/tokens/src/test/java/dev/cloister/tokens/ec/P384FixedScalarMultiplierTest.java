package dev.cloister.tokens.ec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The fixed-scalar multiplier against BouncyCastle's own variable-base multiplication (the naive reference). */
class P384FixedScalarMultiplierTest {
    private static final X9ECParameters P384 = CustomNamedCurves.getByName("secp384r1");
    private static final ECCurve CURVE = P384.getCurve();
    private static final ECPoint G = P384.getG();
    private static final BigInteger N = P384.getN();
    private final Random random = new Random(384);

    private BigInteger randomScalar() {
        BigInteger k;
        do {
            k = new BigInteger(384, random);
        } while (k.signum() == 0 || k.compareTo(N) >= 0);
        return k;
    }

    private ECPoint randomPoint() {
        return G.multiply(randomScalar()).normalize();
    }

    private static void assertSame(ECPoint expected, ECPoint actual) {
        assertTrue(actual.isNormalized(), "output is affine");
        assertArrayEquals(expected.getEncoded(false), actual.getEncoded(false));
    }

    @Test
    void matchesReferenceForRandomScalarsAndPoints() {
        for (int t = 0; t < 40; t++) {
            BigInteger k = randomScalar();
            ECPoint a = randomPoint();
            assertSame(a.multiply(k).normalize(), new P384FixedScalarMultiplier(CURVE, k).multiply(a));
        }
    }

    @Test
    void matchesReferenceForEdgeScalars() {
        List<BigInteger> scalars = new ArrayList<>();
        for (int i = 1; i <= 70; i++) {
            scalars.add(BigInteger.valueOf(i));
            scalars.add(N.subtract(BigInteger.valueOf(i)));
        }
        scalars.add(BigInteger.ONE.shiftLeft(383));
        scalars.add(BigInteger.ONE.shiftLeft(383).subtract(BigInteger.ONE));
        scalars.add(BigInteger.ONE.shiftLeft(200).add(BigInteger.valueOf(15)));
        scalars.add(BigInteger.ONE.shiftLeft(5).subtract(BigInteger.ONE));
        scalars.add(N.shiftRight(1));
        ECPoint a = randomPoint();
        for (BigInteger k : scalars) {
            assertSame(a.multiply(k).normalize(), new P384FixedScalarMultiplier(CURVE, k).multiply(a));
        }
    }

    @Test
    void batchMatchesOneByOne() {
        BigInteger k = randomScalar();
        P384FixedScalarMultiplier m = new P384FixedScalarMultiplier(CURVE, k);
        for (int n : new int[] {1, 2, 3, 32}) {
            ECPoint[] points = new ECPoint[n];
            for (int i = 0; i < n; i++) {
                points[i] = randomPoint();
            }
            ECPoint[] out = m.multiplyAll(points);
            assertEquals(n, out.length);
            for (int i = 0; i < n; i++) {
                assertSame(points[i].multiply(k).normalize(), out[i]);
            }
        }
    }

    @Test
    void acceptsJacobianInputsAndTheGenerator() {
        BigInteger k = randomScalar();
        ECPoint jacobian = G.multiply(randomScalar());
        P384FixedScalarMultiplier m = new P384FixedScalarMultiplier(CURVE, k);
        assertSame(jacobian.multiply(k).normalize(), m.multiply(jacobian));
        assertSame(G.multiply(k).normalize(), m.multiply(G));
        // A point equal to an entry of its own table: a = (k^-1 mod n) * B makes the result B.
        ECPoint b = randomPoint();
        assertSame(b, m.multiply(b.multiply(k.modInverse(N))));
    }

    @Test
    void refusesZeroScalar() {
        assertThrows(IllegalArgumentException.class, () -> new P384FixedScalarMultiplier(CURVE, BigInteger.ZERO));
    }

    @Test
    void refusesScalarAtOrAboveTheOrder() {
        assertThrows(IllegalArgumentException.class, () -> new P384FixedScalarMultiplier(CURVE, N));
        assertThrows(IllegalArgumentException.class, () -> new P384FixedScalarMultiplier(CURVE, N.add(BigInteger.ONE)));
    }

    @Test
    void refusesNegativeScalar() {
        assertThrows(
                IllegalArgumentException.class, () -> new P384FixedScalarMultiplier(CURVE, BigInteger.ONE.negate()));
    }

    @Test
    void refusesAnotherCurve() {
        ECCurve p256 = CustomNamedCurves.getByName("secp256r1").getCurve();
        assertThrows(IllegalArgumentException.class, () -> new P384FixedScalarMultiplier(p256, BigInteger.TWO));
    }

    @Test
    void refusesTheIdentity() {
        P384FixedScalarMultiplier m = new P384FixedScalarMultiplier(CURVE, BigInteger.TWO);
        assertThrows(IllegalArgumentException.class, () -> m.multiply(CURVE.getInfinity()));
    }

    @Test
    void refusesAPointOfAnotherCurve() {
        P384FixedScalarMultiplier m = new P384FixedScalarMultiplier(CURVE, BigInteger.TWO);
        ECPoint p256 = CustomNamedCurves.getByName("secp256r1").getG();
        assertThrows(IllegalArgumentException.class, () -> m.multiply(p256));
    }
}
