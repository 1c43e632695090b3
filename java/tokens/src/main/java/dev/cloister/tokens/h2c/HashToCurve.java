package dev.cloister.tokens.h2c;

import dev.cloister.tokens.ec.P384Field;
import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;

/**
 * RFC 9380 hash_to_curve (§3, random oracle) and encode_to_curve (nonuniform) for the NIST curves of
 * {@link HashToCurveSuite}, with the simplified SWU map of §6.6.2.
 *
 * <p>The field arithmetic is BouncyCastle's fixed-width custom curve implementation
 * ({@link CustomNamedCurves}), which is faster than the generic {@code BigInteger} curve that
 * {@code org.bouncycastle.crypto.hash2curve} uses. The tests check this class against the RFC vectors and against
 * BouncyCastle's implementation.
 * Points are returned on the custom curve, normalized (affine). Instances are immutable and thread-safe.
 */
public final class HashToCurve {
    private final HashToCurveSuite suite;
    private final ECCurve curve;
    private final BigInteger p;
    private final ECFieldElement a;
    private final ECFieldElement b;
    private final ECFieldElement z;
    /** -B / A, step 2 of the straight-line SSWU. */
    private final ECFieldElement minusBOverA;
    /** B / (Z * A), the exceptional case of step 3. */
    private final ECFieldElement bOverZa;

    private HashToCurve(HashToCurveSuite suite) {
        this.suite = suite;
        X9ECParameters params = CustomNamedCurves.getByName(suite.curveName());
        this.curve = params.getCurve();
        this.p = curve.getField().getCharacteristic();
        this.a = curve.getA();
        this.b = curve.getB();
        this.z = curve.fromBigInteger(suite.z().mod(p));
        this.minusBOverA = b.negate().divide(a);
        this.bOverZa = b.divide(z.multiply(a));
    }

    private static final HashToCurve P256 = new HashToCurve(HashToCurveSuite.P256_XMD_SHA256_SSWU);
    private static final HashToCurve P384 = new HashToCurve(HashToCurveSuite.P384_XMD_SHA384_SSWU);

    public static HashToCurve of(HashToCurveSuite suite) {
        return switch (suite) {
            case P256_XMD_SHA256_SSWU -> P256;
            case P384_XMD_SHA384_SSWU -> P384;
        };
    }

    public HashToCurveSuite suite() {
        return suite;
    }

    /** The BouncyCastle custom curve the points live on. */
    public ECCurve curve() {
        return curve;
    }

    /** RFC 9380 §3 hash_to_curve(msg) with the given domain separation tag: a random-oracle encoding. */
    public ECPoint hashToCurve(byte[] msg, byte[] dst) {
        BigInteger[] u = hashToField(msg, dst, 2);
        ECPoint q0 = mapToCurve(curve.fromBigInteger(u[0]));
        ECPoint q1 = mapToCurve(curve.fromBigInteger(u[1]));
        // clear_cofactor is the identity map: h = 1 for both curves.
        return q0.add(q1).normalize();
    }

    /** RFC 9380 §3 encode_to_curve(msg): the nonuniform encoding, one field element, one map. */
    public ECPoint encodeToCurve(byte[] msg, byte[] dst) {
        BigInteger[] u = hashToField(msg, dst, 1);
        return mapToCurve(curve.fromBigInteger(u[0])).normalize();
    }

    /** RFC 9380 §5.2 hash_to_field(msg, count) over F_p (m = 1). */
    public BigInteger[] hashToField(byte[] msg, byte[] dst, int count) {
        return hashToField(suite.expander(), msg, dst, count, suite.l(), p);
    }

    /**
     * RFC 9380 §5.2 hash_to_field with an explicit modulus and L, which is also how RFC 9497 §4 defines
     * HashToScalar for the NIST suites (modulus = the group order).
     */
    public static BigInteger[] hashToField(
            ExpandMessageXmd expander, byte[] msg, byte[] dst, int count, int l, BigInteger modulus) {
        byte[] uniform = expander.expand(msg, dst, count * l);
        BigInteger[] u = new BigInteger[count];
        byte[] tv = new byte[l];
        for (int i = 0; i < count; i++) {
            System.arraycopy(uniform, i * l, tv, 0, l);
            u[i] = new BigInteger(1, tv).mod(modulus);
        }
        return u;
    }

    /**
     * RFC 9380 §6.6.2 simplified Shallue-van de Woestijne-Ulas map. P-384 uses {@link P384Sswu} (Appendix F.2, one
     * exponentiation); P-256 the straight-line steps 1-10 of §6.6.2 with BouncyCastle's field square root.
     * Not constant time: the inputs are public token nonces and hash outputs.
     */
    ECPoint mapToCurve(ECFieldElement u) {
        if (suite == HashToCurveSuite.P384_XMD_SHA384_SSWU) {
            int[][] xy = P384Sswu.map(P384Field.fromBigInteger(u.toBigInteger()));
            return curve.createPoint(P384Field.toBigInteger(xy[0]), P384Field.toBigInteger(xy[1]));
        }
        ECFieldElement tv1 = z.multiply(u.square()); // Z * u^2
        ECFieldElement den = tv1.square().add(tv1); // Z^2 * u^4 + Z * u^2
        ECFieldElement x1 =
                den.isZero() ? bOverZa : minusBOverA.multiply(den.invert().addOne());
        ECFieldElement x = x1;
        ECFieldElement y = curveEquation(x1).sqrt(); // null when gx1 is not a square
        if (y == null) {
            x = tv1.multiply(x1); // x2 = Z * u^2 * x1
            y = curveEquation(x).sqrt();
            if (y == null) {
                throw new IllegalStateException("SSWU: neither gx1 nor gx2 is square; the curve constants are wrong");
            }
        }
        if (u.testBitZero() != y.testBitZero()) { // sgn0(u) != sgn0(y)
            y = y.negate();
        }
        return curve.createPoint(x.toBigInteger(), y.toBigInteger());
    }

    /** g(x) = x^3 + A * x + B. */
    private ECFieldElement curveEquation(ECFieldElement x) {
        return x.square().add(a).multiply(x).add(b);
    }
}
