package dev.cloister.tokens.ec;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * Point decompression for NIST P-384 (SEC 1 v2 §2.3.4 step 2.4): y = sqrt(x^3 - 3x + b) with the requested parity,
 * one exponentiation on {@link P384Field} (faster squaring than BouncyCastle's {@code decodePoint}). Variable time:
 * received points are public.
 */
public final class P384Compressed {
    private static final int[] B =
            P384Field.fromBigInteger(new SecP384R1Curve().getB().toBigInteger());

    private P384Compressed() {}

    /**
     * The affine point (x, y) of {@code curve} with y odd when {@code yOdd}, or null when x is not the x-coordinate of
     * a point. {@code x} must be below p (the caller checks canonical encoding first).
     */
    public static ECPoint decompress(ECCurve curve, BigInteger x, boolean yOdd) {
        if (!(curve instanceof SecP384R1Curve)) {
            throw new IllegalArgumentException(
                    "not the custom P-384 curve: " + curve.getClass().getSimpleName());
        }
        int[] tt = P384Field.createExt();
        int[] xw = P384Field.fromBigInteger(x);
        int[] rhs = P384Field.create();
        int[] t = P384Field.create();
        P384Field.square(xw, rhs, tt);
        P384Field.multiply(rhs, xw, rhs, tt); // x^3
        P384Field.twice(xw, t);
        P384Field.add(t, xw, t); // 3x
        P384Field.subtract(rhs, t, rhs);
        P384Field.add(rhs, B, rhs); // x^3 - 3x + b
        int[] y = P384Field.create();
        if (!P384Field.sqrt(rhs, y, tt)) {
            return null;
        }
        if ((P384Field.sgn0(y) == 1) != yOdd) {
            P384Field.negate(y, y);
        }
        return curve.createPoint(x, P384Field.toBigInteger(y));
    }
}
