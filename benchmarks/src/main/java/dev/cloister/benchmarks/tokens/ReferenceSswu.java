package dev.cloister.benchmarks.tokens;

import dev.cloister.tokens.h2c.HashToCurve;
import dev.cloister.tokens.h2c.HashToCurveSuite;
import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The P-384 hash_to_curve that {@code HashToCurve} used before the sqrt_ratio rewrite, kept here only as the "old"
 * side of {@link TokenPrimitivesBenchmark}: RFC 9380 §6.6.2 steps 1-10 with one inversion and one or two
 * BouncyCastle square roots per map.
 */
final class ReferenceSswu {
    private static final HashToCurveSuite SUITE = HashToCurveSuite.P384_XMD_SHA384_SSWU;
    private final ECCurve curve;
    private final BigInteger p;
    private final ECFieldElement a;
    private final ECFieldElement b;
    private final ECFieldElement z;
    private final ECFieldElement minusBOverA;
    private final ECFieldElement bOverZa;

    ReferenceSswu() {
        X9ECParameters params = CustomNamedCurves.getByName(SUITE.curveName());
        this.curve = params.getCurve();
        this.p = curve.getField().getCharacteristic();
        this.a = curve.getA();
        this.b = curve.getB();
        this.z = curve.fromBigInteger(SUITE.z().mod(p));
        this.minusBOverA = b.negate().divide(a);
        this.bOverZa = b.divide(z.multiply(a));
    }

    ECPoint hashToCurve(byte[] msg, byte[] dst) {
        BigInteger[] u = HashToCurve.hashToField(SUITE.expander(), msg, dst, 2, SUITE.l(), p);
        return mapToCurve(curve.fromBigInteger(u[0]))
                .add(mapToCurve(curve.fromBigInteger(u[1])))
                .normalize();
    }

    private ECPoint mapToCurve(ECFieldElement u) {
        ECFieldElement tv1 = z.multiply(u.square());
        ECFieldElement den = tv1.square().add(tv1);
        ECFieldElement x1 =
                den.isZero() ? bOverZa : minusBOverA.multiply(den.invert().addOne());
        ECFieldElement x = x1;
        ECFieldElement y = curveEquation(x1).sqrt();
        if (y == null) {
            x = tv1.multiply(x1);
            y = curveEquation(x).sqrt();
        }
        if (u.testBitZero() != y.testBitZero()) {
            y = y.negate();
        }
        return curve.createPoint(x.toBigInteger(), y.toBigInteger());
    }

    private ECFieldElement curveEquation(ECFieldElement x) {
        return x.square().add(a).multiply(x).add(b);
    }
}
