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

/** The uniform (nonce) multiplier against BouncyCastle's, and its recoding against its definition. */
class P384UniformMultiplierTest {
    private static final X9ECParameters P384 = CustomNamedCurves.getByName("secp384r1");
    private static final ECCurve CURVE = P384.getCurve();
    private static final ECPoint G = P384.getG();
    private static final BigInteger N = P384.getN();
    private final Random random = new Random(5);

    private BigInteger randomScalar() {
        return new BigInteger(384, random).mod(N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    }

    @Test
    void matchesBouncyCastleForRandomAndEdgeScalarsOfBothParities() {
        List<BigInteger> scalars = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            scalars.add(BigInteger.valueOf(i));
            scalars.add(N.subtract(BigInteger.valueOf(i)));
        }
        scalars.add(BigInteger.ONE.shiftLeft(383));
        scalars.add(BigInteger.ONE.shiftLeft(383).add(BigInteger.ONE));
        scalars.add(BigInteger.ONE.shiftLeft(100));
        for (int i = 0; i < 40; i++) {
            scalars.add(randomScalar());
        }
        ECPoint a = G.multiply(randomScalar()).normalize();
        for (BigInteger r : scalars) {
            assertArrayEquals(
                    a.multiply(r).normalize().getEncoded(false),
                    P384UniformMultiplier.multiply(CURVE, a, r).getEncoded(false),
                    "r = " + r.toString(16));
        }
    }

    @Test
    void recodingIsSeventySevenOddDigitsThatSumToTheScalar() {
        for (int t = 0; t < 500; t++) {
            BigInteger k = t == 0
                    ? BigInteger.ONE
                    : t == 1 ? N.subtract(BigInteger.TWO) : new BigInteger(384, random).setBit(0);
            int[] words = new int[13];
            System.arraycopy(P384Field.fromBigInteger(k.mod(N)), 0, words, 0, 12);
            k = k.mod(N);
            byte[] d = P384UniformMultiplier.recode(words);
            assertEquals(77, d.length);
            BigInteger value = BigInteger.ZERO;
            for (int i = d.length - 1; i >= 0; i--) {
                assertTrue((d[i] & 1) == 1 && d[i] >= -31 && d[i] <= 31, "digit " + d[i]);
                value = value.shiftLeft(5).add(BigInteger.valueOf(d[i]));
            }
            assertTrue(d[76] > 0, "top digit positive");
            assertEquals(k, value);
        }
    }

    @Test
    void refusesZeroScalar() {
        assertThrows(IllegalArgumentException.class, () -> P384UniformMultiplier.multiply(CURVE, G, BigInteger.ZERO));
    }

    @Test
    void refusesScalarAtTheOrder() {
        assertThrows(IllegalArgumentException.class, () -> P384UniformMultiplier.multiply(CURVE, G, N));
    }

    @Test
    void refusesTheIdentity() {
        assertThrows(
                IllegalArgumentException.class,
                () -> P384UniformMultiplier.multiply(CURVE, CURVE.getInfinity(), BigInteger.TWO));
    }

    @Test
    void refusesAnotherCurve() {
        ECCurve p256 = CustomNamedCurves.getByName("secp256r1").getCurve();
        assertThrows(IllegalArgumentException.class, () -> P384UniformMultiplier.multiply(p256, G, BigInteger.TWO));
    }
}
