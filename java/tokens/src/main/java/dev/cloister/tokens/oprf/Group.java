package dev.cloister.tokens.oprf;

import dev.cloister.tokens.ec.AwsLcKeyMultiplier;
import dev.cloister.tokens.ec.P384Compressed;
import dev.cloister.tokens.ec.P384FixedScalarMultiplier;
import dev.cloister.tokens.ec.P384MultiScalar;
import dev.cloister.tokens.ec.P384UniformMultiplier;
import dev.cloister.tokens.h2c.HashToCurve;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The prime-order group abstraction of RFC 9497 §2.1 for the NIST curves: Elements are points of
 * BouncyCastle's fixed-width custom curve ({@link CustomNamedCurves}), Scalars are {@link BigInteger}s in
 * [0, Order()). Serialization is strict: compressed SEC1 points only, no identity, canonical scalars only.
 * Instances are immutable and thread-safe.
 */
public final class Group {
    private static final Group P256 = new Group(OprfSuite.P256_SHA256);
    private static final Group P384 = new Group(OprfSuite.P384_SHA384);

    private final OprfSuite suite;
    private final ECCurve curve;
    private final ECPoint generator;
    private final BigInteger order;
    private final BigInteger p;
    private final HashToCurve hashToCurve;
    private final FixedPointCombMultiplier comb = new FixedPointCombMultiplier();

    private Group(OprfSuite suite) {
        this.suite = suite;
        X9ECParameters params = CustomNamedCurves.getByName(suite.hashToCurve().curveName());
        this.hashToCurve = HashToCurve.of(suite.hashToCurve());
        this.curve = hashToCurve.curve();
        this.generator = curve.importPoint(params.getG()).normalize();
        this.order = params.getN();
        this.p = curve.getField().getCharacteristic();
        // Precompute the comb table once, so the first caller does not pay for it while holding a request.
        comb.multiply(generator, BigInteger.ONE);
    }

    public static Group of(OprfSuite suite) {
        return switch (suite) {
            case P256_SHA256 -> P256;
            case P384_SHA384 -> P384;
        };
    }

    public OprfSuite suite() {
        return suite;
    }

    public ECCurve curve() {
        return curve;
    }

    /** Order(): the prime order of the group. */
    public BigInteger order() {
        return order;
    }

    /** Identity(). */
    public ECPoint identity() {
        return curve.getInfinity();
    }

    /** Generator(). */
    public ECPoint generator() {
        return generator;
    }

    /** ScalarMultGen(k) = k * Generator(), with a precomputed comb table. */
    public ECPoint multiplyGenerator(BigInteger k) {
        return comb.multiply(generator, k);
    }

    /** k * A, for any point A. */
    public ECPoint multiply(ECPoint a, BigInteger k) {
        return a.multiply(k);
    }

    /**
     * r * A for a secret scalar used once (a proof nonce), 0 &lt; r &lt; Order(), A not the identity: on P-384 with
     * the same operation sequence for every r ({@link P384UniformMultiplier}); on P-256 BouncyCastle's variable-base
     * multiplication (variable time). Normalized.
     */
    ECPoint multiplyNonce(ECPoint a, BigInteger r) {
        if (suite == OprfSuite.P384_SHA384) {
            return P384UniformMultiplier.multiply(curve, a, r);
        }
        return a.multiply(r).normalize();
    }

    /**
     * A multiplier by the fixed scalar k (0 &lt; k &lt; Order()), for a server key applied to many elements. On P-384
     * it precomputes k's recoding once and batches the affine conversions ({@link P384FixedScalarMultiplier}); on
     * P-256 it is BouncyCastle's variable-base multiplication.
     */
    FixedScalarMultiplier fixedScalarMultiplier(BigInteger k) {
        if (k.signum() <= 0 || k.compareTo(order) >= 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
        if (suite == OprfSuite.P384_SHA384) {
            P384FixedScalarMultiplier p384 = new P384FixedScalarMultiplier(curve, k);
            Optional<AwsLcKeyMultiplier> awsLc = AwsLcKeyMultiplier.forKey(curve, generator, k, p384);
            if (awsLc.isPresent()) {
                AwsLcKeyMultiplier native384 = awsLc.get();
                return new FixedScalarMultiplier() {
                    @Override
                    public ECPoint multiply(ECPoint a) {
                        return native384.multiply(a, p384);
                    }

                    @Override
                    public ECPoint[] multiplyAll(ECPoint[] a) {
                        return native384.multiplyAll(a, p384);
                    }

                    @Override
                    public byte[] xCoordinate(ECPoint a) {
                        return native384.xCoordinate(a);
                    }

                    @Override
                    public String engine() {
                        return "AWS-LC";
                    }
                };
            }
            return new FixedScalarMultiplier() {
                @Override
                public ECPoint multiply(ECPoint a) {
                    return p384.multiply(a);
                }

                @Override
                public ECPoint[] multiplyAll(ECPoint[] a) {
                    return p384.multiplyAll(a);
                }
            };
        }
        return new FixedScalarMultiplier() {
            @Override
            public ECPoint multiply(ECPoint a) {
                return a.multiply(k).normalize();
            }

            @Override
            public ECPoint[] multiplyAll(ECPoint[] a) {
                ECPoint[] out = new ECPoint[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = a[i].multiply(k);
                }
                curve.normalizeAll(out);
                return out;
            }
        };
    }

    /**
     * The sum of k[i] * a[i] with shared doublings (interleaved wNAF), for public scalars and points (variable
     * time); on P-384 with {@link P384MultiScalar} (batched affine tables).
     */
    public ECPoint sumOfMultiplies(ECPoint[] a, BigInteger[] k) {
        if (suite == OprfSuite.P384_SHA384) {
            return P384MultiScalar.sumOfMultiplies(curve, a, k);
        }
        if (a.length == 1) {
            return a[0].multiply(k[0]);
        }
        return ECAlgorithms.sumOfMultiplies(a, k);
    }

    /** HashToGroup(x) with the given DST: RFC 9380 hash_to_curve with the suite's _RO_ encoding (RFC 9497 §4). */
    public ECPoint hashToGroup(byte[] input, byte[] dst) {
        return hashToCurve.hashToCurve(input, dst);
    }

    /** HashToScalar(x) with the given DST: RFC 9380 hash_to_field with modulus Order() (RFC 9497 §4.3, §4.4). */
    public BigInteger hashToScalar(byte[] input, byte[] dst) {
        return HashToCurve.hashToField(
                suite.hashToCurve().expander(),
                input,
                dst,
                1,
                suite.hashToCurve().l(),
                order)[0];
    }

    /** RandomScalar(): a uniformly random non-zero Scalar, by rejection sampling. */
    public BigInteger randomScalar(SecureRandom random) {
        byte[] bytes = new byte[suite.ns()];
        while (true) {
            random.nextBytes(bytes);
            BigInteger k = new BigInteger(1, bytes);
            if (k.signum() != 0 && k.compareTo(order) < 0) {
                return k;
            }
        }
    }

    /** SerializeElement(A): the compressed SEC1 encoding, Ne bytes. The identity has no encoding. */
    public byte[] serializeElement(ECPoint a) {
        if (a.isInfinity()) {
            throw new IllegalArgumentException("the identity element cannot be serialized (RFC 9497 §2.1)");
        }
        return a.getEncoded(true);
    }

    /**
     * DeserializeElement(buf) of RFC 9497 §2.1: exactly Ne bytes, prefix 0x02 or 0x03, x below p, a point on the
     * curve, and not the identity.
     */
    public ECPoint deserializeElement(byte[] buf) throws InvalidElementException {
        if (buf == null || buf.length != suite.ne()) {
            throw new InvalidElementException(suite.identifier() + ": element must be " + suite.ne() + " bytes, got "
                    + (buf == null ? "none" : buf.length));
        }
        if (buf[0] != 0x02 && buf[0] != 0x03) {
            throw new InvalidElementException(String.format(
                    "%s: element prefix 0x%02x is not a compressed point (0x02 or 0x03)",
                    suite.identifier(), buf[0] & 0xff));
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(buf, 1, buf.length));
        if (x.compareTo(p) >= 0) {
            throw new InvalidElementException(
                    suite.identifier() + ": element x-coordinate is not below the field prime");
        }
        ECPoint point;
        if (suite == OprfSuite.P384_SHA384) {
            point = P384Compressed.decompress(curve, x, buf[0] == 0x03);
            if (point == null) {
                throw new InvalidElementException(suite.identifier() + ": element is not a point on the curve");
            }
        } else {
            try {
                point = curve.decodePoint(buf);
            } catch (IllegalArgumentException e) {
                throw new InvalidElementException(suite.identifier() + ": element is not a point on the curve", e);
            }
        }
        if (point.isInfinity() || !point.isValid()) {
            throw new InvalidElementException(suite.identifier() + ": element is the identity or not on the curve");
        }
        return point.normalize();
    }

    /** SerializeScalar(s): I2OSP(s, Ns), big-endian. */
    public byte[] serializeScalar(BigInteger s) {
        if (s.signum() < 0 || s.compareTo(order) >= 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
        byte[] raw = s.toByteArray();
        byte[] out = new byte[suite.ns()];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        return out;
    }

    /** DeserializeScalar(buf) of RFC 9497 §2.1: exactly Ns bytes, and the value must be below Order(). */
    public BigInteger deserializeScalar(byte[] buf) throws InvalidScalarException {
        if (buf == null || buf.length != suite.ns()) {
            throw new InvalidScalarException(suite.identifier() + ": scalar must be " + suite.ns() + " bytes, got "
                    + (buf == null ? "none" : buf.length));
        }
        BigInteger s = new BigInteger(1, buf);
        if (s.compareTo(order) >= 0) {
            throw new InvalidScalarException(suite.identifier() + ": scalar is not below the group order");
        }
        return s;
    }

    /** ScalarInverse(s). */
    public BigInteger invert(BigInteger s) {
        return s.modInverse(order);
    }

    /** Normalizes all points to affine coordinates with a single field inversion (Montgomery's trick). */
    public void normalizeAll(ECPoint[] points) {
        curve.normalizeAll(points);
    }
}
