package dev.cloister.tokens.ec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AWS-LC's key multiples against the Java multiplier: x-coordinates, whole points (the sign of y recovered from a
 * second ECDH), the points where the sign test cannot decide and the Java multiplier answers, and the switch that
 * turns AWS-LC off. On Linux x86-64 (where the provider's jar carries AWS-LC, as on CI) it must be available.
 */
class AwsLcKeyMultiplierTest {
    private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp384r1");
    private static final ECCurve CURVE = PARAMS.getCurve();
    private static final ECPoint G = CURVE.importPoint(PARAMS.getG()).normalize();
    private static final BigInteger N = PARAMS.getN();
    private static final Random RANDOM = new Random(9497);
    private static BigInteger k;
    private static P384FixedScalarMultiplier java;
    private static AwsLcKeyMultiplier awsLc;

    @BeforeAll
    static void keys() {
        k = new BigInteger(383, RANDOM).add(BigInteger.ONE);
        java = new P384FixedScalarMultiplier(CURVE, k);
        boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        Optional<AwsLcKeyMultiplier> m = AwsLcKeyMultiplier.forKey(CURVE, G, k, java);
        if (linuxX64) {
            assertTrue(
                    m.isPresent(),
                    () -> "AWS-LC unavailable on Linux x86-64: " + AwsLcKeyMultiplier.Unavailable.reason());
        }
        awsLc = m.orElse(null);
    }

    private static ECPoint randomPoint() {
        return G.multiply(new BigInteger(384, RANDOM)
                        .mod(N.subtract(BigInteger.ONE))
                        .add(BigInteger.ONE))
                .normalize();
    }

    @Test
    void xCoordinatesAndWholePointsMatchTheJavaMultiplier() {
        assumeTrue(awsLc != null);
        for (int i = 0; i < 100; i++) {
            ECPoint a = randomPoint();
            ECPoint expected = java.multiply(a);
            assertArrayEquals(expected.getAffineXCoord().getEncoded(), awsLc.xCoordinate(a));
            assertEquals(expected, awsLc.multiply(a, java));
            assertEquals(expected.negate(), awsLc.multiply(a.negate(), java));
        }
    }

    @Test
    void aBatchMatchesTheJavaMultiplier() {
        assumeTrue(awsLc != null);
        ECPoint[] a = new ECPoint[32];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 5 == 0 ? randomPoint().twice() : randomPoint(); // some not normalized
        }
        assertArrayEquals(java.multiplyAll(a), awsLc.multiplyAll(a, java));
    }

    @Test
    void pointsWhereTheSignTestCannotDecideAreAnsweredByJava() {
        assumeTrue(awsLc != null);
        // a = G: k * a is the public key; a = -G: a + G is the identity. 2G and -2G are ordinary.
        for (ECPoint a : new ECPoint[] {
            G, G.negate(), G.twice().normalize(), G.twice().negate().normalize()
        }) {
            assertEquals(java.multiply(a), awsLc.multiply(a, java), "k * " + a);
            assertArrayEquals(java.multiply(a).getAffineXCoord().getEncoded(), awsLc.xCoordinate(a));
        }
    }

    @Test
    void theIdentityIsRefused() {
        assumeTrue(awsLc != null);
        assertThrows(IllegalArgumentException.class, () -> awsLc.multiply(CURVE.getInfinity(), java));
        assertThrows(RuntimeException.class, () -> awsLc.xCoordinate(CURVE.getInfinity()));
    }

    @Test
    void turnedOffByTheSystemPropertyWithTheReason() {
        assertTrue(AwsLcSwitch.withAwsLcOff(() -> AwsLcKeyMultiplier.forKey(CURVE, G, k, java))
                .isEmpty());
        assertTrue(AwsLcKeyMultiplier.Unavailable.reason().contains(AwsLcKeyMultiplier.ENABLED_PROPERTY));
    }

    @Test
    void onlyTheCustomP384CurveIsAccepted() {
        ECCurve p256 = CustomNamedCurves.getByName("secp256r1").getCurve();
        assertThrows(IllegalArgumentException.class, () -> AwsLcKeyMultiplier.forKey(p256, G, k, java));
    }
}
