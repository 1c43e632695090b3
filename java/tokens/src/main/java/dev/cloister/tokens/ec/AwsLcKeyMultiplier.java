package dev.cloister.tokens.ec;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.KeyAgreement;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP384R1Curve;

/**
 * k * A on P-384 for the token key k, computed by AWS-LC (its formally verified s2n-bignum P-384 arithmetic, constant
 * time in k) through the Amazon Corretto Crypto Provider's ECDH: about 3.5 times faster than {@link
 * P384FixedScalarMultiplier} on the same core (java/tokens/README.md, "Performance").
 *
 * <p>ECDH yields only the x-coordinate of k * A, which is all the redeemer needs ({@link #xCoordinate}: the token's
 * authenticator hashes the compressed encoding, and the two possible prefixes are both tried). A whole point ({@link
 * #multiply}, for issuance and the DLEQ proof) needs the sign of y as well: y is recovered up to sign from x, and the
 * sign is the one for which x(k * A + k * G) equals the x-coordinate of a second ECDH, on A + G (k * G is the public
 * key). Where that test cannot decide (A = +-G, so A + G is the identity or k * A = +-k * G), or AWS-LC does not answer,
 * the caller's Java multiplier is used instead: results never depend on which engine ran.
 *
 * <p>Available only where the provider's native library loads (Linux x86-64; the jar carries AWS-LC) and passes a
 * known-answer check against the Java multiplier at construction; {@link #forKey} says why not otherwise, and
 * {@code -Dcloister.tokens.awslc=false} turns it off. The provider is used explicitly, never installed as a default
 * JCA provider. Thread-safe: each thread gets its own KeyAgreement and KeyFactory.
 */
public final class AwsLcKeyMultiplier {
    /** The system property that turns AWS-LC off ("false"). */
    public static final String ENABLED_PROPERTY = "cloister.tokens.awslc";

    private static final ECParameterSpec PARAMS = parameters();

    private final ECCurve curve;
    private final ECPoint g;
    private final BigInteger b;
    private final PrivateKey key;
    private final ECPoint publicKey;
    private final ThreadLocal<Engine> engines;

    private record Engine(KeyAgreement agreement, KeyFactory factory) {}

    private AwsLcKeyMultiplier(ECCurve curve, ECPoint g, PrivateKey key, ECPoint publicKey) {
        this.curve = curve;
        this.g = g;
        this.b = curve.getB().toBigInteger();
        this.key = key;
        this.publicKey = publicKey;
        this.engines = ThreadLocal.withInitial(this::newEngine);
    }

    /**
     * The AWS-LC multiplier for k, or empty (with the reason in {@link Unavailable}) where the provider is off, does
     * not load, or disagrees with {@code reference} on a known answer.
     *
     * @param curve     BouncyCastle's custom P-384 curve, on which the results are created
     * @param g         its generator
     * @param k         the key, 0 &lt; k &lt; order
     * @param reference the Java multiplier for the same k (the fallback, and the known answer)
     */
    public static Optional<AwsLcKeyMultiplier> forKey(
            ECCurve curve, ECPoint g, BigInteger k, P384FixedScalarMultiplier reference) {
        Objects.requireNonNull(reference, "reference");
        if (!(curve instanceof SecP384R1Curve)) {
            throw new IllegalArgumentException(
                    "not the custom P-384 curve: " + curve.getClass().getSimpleName());
        }
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true"))) {
            Unavailable.record("turned off with -D" + ENABLED_PROPERTY + "=false");
            return Optional.empty();
        }
        try {
            Throwable loading = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (loading != null) {
                Unavailable.record("the provider's native library did not load: " + loading);
                return Optional.empty();
            }
            PrivateKey key = KeyFactory.getInstance("EC", AmazonCorrettoCryptoProvider.INSTANCE)
                    .generatePrivate(new ECPrivateKeySpec(k, PARAMS));
            AwsLcKeyMultiplier m = new AwsLcKeyMultiplier(curve, g, key, reference.multiply(g));
            ECPoint probe = g.twice().add(g).normalize(); // 3G: a known answer for both paths
            ECPoint expected = reference.multiply(probe);
            ECPoint actual = m.multiplyOrNull(probe, probe.add(g).normalize());
            if (actual == null
                    || !actual.equals(expected)
                    || !Arrays.equals(
                            m.xCoordinate(probe), expected.getAffineXCoord().getEncoded())) {
                Unavailable.record("AWS-LC disagreed with the Java multiplier on a known answer");
                return Optional.empty();
            }
            return Optional.of(m);
        } catch (GeneralSecurityException | RuntimeException | LinkageError e) {
            Unavailable.record("AWS-LC is unusable: " + e);
            return Optional.empty();
        }
    }

    /** The big-endian 48-byte x-coordinate of k * a; {@code a} is a point of P-384 other than the identity. */
    public byte[] xCoordinate(ECPoint a) {
        try {
            return ecdh(a.normalize());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AWS-LC refused a valid P-384 point", e);
        }
    }

    /** k * a, normalized, or the result of {@code fallback} where the sign of y cannot be decided from x alone. */
    public ECPoint multiply(ECPoint a, P384FixedScalarMultiplier fallback) {
        return multiplyAll(new ECPoint[] {a}, fallback)[0];
    }

    /**
     * k * a[i] for every i, normalized; see {@link #multiply}. The points and the sums a[i] + G are made affine
     * together (one inversion for each set).
     */
    public ECPoint[] multiplyAll(ECPoint[] a, P384FixedScalarMultiplier fallback) {
        ECPoint[] points = a.clone();
        for (ECPoint p : points) {
            if (p.isInfinity()) {
                throw new IllegalArgumentException("the identity has no multiple to compute");
            }
        }
        curve.normalizeAll(points);
        ECPoint[] sums = new ECPoint[points.length];
        for (int i = 0; i < points.length; i++) {
            sums[i] = points[i].add(g);
        }
        curve.normalizeAll(sums); // the identity (a = -G) stays as it is
        ECPoint[] out = new ECPoint[points.length];
        for (int i = 0; i < points.length; i++) {
            ECPoint z = multiplyOrNull(points[i], sums[i]);
            out[i] = z != null ? z : fallback.multiply(points[i]);
        }
        return out;
    }

    /**
     * k * a from two ECDH x-coordinates: x1 = x(k * a) and x2 = x(k * (a + G)) = x(k * a + Y) with Y = k * G. For the
     * candidate Z = (x1, y), x(Z + Y) = x2 exactly when (y - yY)^2 = (x2 + x1 + xY) * (x1 - xY)^2 (the chord through Z
     * and Y). Null when that cannot decide (a = +-G) or when neither sign fits (then AWS-LC is wrong: the caller falls
     * back). {@code a} and {@code sum} = a + G are affine.
     */
    private ECPoint multiplyOrNull(ECPoint a, ECPoint sum) {
        if (sum.isInfinity() || a.equals(g)) {
            return null;
        }
        BigInteger p = curve.getField().getCharacteristic();
        try {
            BigInteger x1 = new BigInteger(1, ecdh(a));
            BigInteger x2 = new BigInteger(1, ecdh(sum));
            int[] rhs = P384Field.fromBigInteger(x1.pow(3)
                    .subtract(x1.multiply(BigInteger.valueOf(3)))
                    .add(b)
                    .mod(p));
            int[] root = P384Field.create();
            if (!P384Field.sqrt(rhs, root, P384Field.createExt())) {
                return null;
            }
            BigInteger y = P384Field.toBigInteger(root);
            BigInteger xY = publicKey.getAffineXCoord().toBigInteger();
            BigInteger yY = publicKey.getAffineYCoord().toBigInteger();
            if (x1.equals(xY)) {
                return null; // k * a = +-Y: a = +-G
            }
            BigInteger chord =
                    x2.add(x1).add(xY).multiply(x1.subtract(xY).pow(2)).mod(p);
            boolean plus = y.subtract(yY).pow(2).mod(p).equals(chord);
            boolean minus = y.add(yY).pow(2).mod(p).equals(chord);
            if (plus == minus) {
                return null;
            }
            return curve.createPoint(x1, plus ? y : p.subtract(y));
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private byte[] ecdh(ECPoint a) throws GeneralSecurityException {
        Engine engine = engines.get();
        java.security.spec.ECPoint w = new java.security.spec.ECPoint(
                a.getAffineXCoord().toBigInteger(), a.getAffineYCoord().toBigInteger());
        engine.agreement().doPhase(engine.factory().generatePublic(new ECPublicKeySpec(w, PARAMS)), true);
        return engine.agreement().generateSecret(); // resets to the state after init: same key
    }

    private Engine newEngine() {
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH", AmazonCorrettoCryptoProvider.INSTANCE);
            agreement.init(key);
            return new Engine(agreement, KeyFactory.getInstance("EC", AmazonCorrettoCryptoProvider.INSTANCE));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AWS-LC ECDH became unavailable", e);
        }
    }

    private static ECParameterSpec parameters() {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp384r1"));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * What will multiply token keys in this JVM, for operators' logs: "AWS-LC &lt;version&gt;", or "Java" with the
     * reason AWS-LC is not used. (A key whose known-answer check fails also falls back, with its reason in
     * {@link Unavailable}.)
     */
    public static String engineDescription() {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true"))) {
            return "Java (AWS-LC turned off with -D" + ENABLED_PROPERTY + "=false)";
        }
        try {
            Throwable loading = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (loading != null) {
                return "Java (AWS-LC did not load: " + loading.getMessage() + ")";
            }
            String failed = Unavailable.reason();
            return AmazonCorrettoCryptoProvider.INSTANCE.getAwsLcVersionStr()
                    + (failed == null ? "" : " (a key fell back to Java: " + failed + ")");
        } catch (RuntimeException | LinkageError e) {
            return "Java (AWS-LC is unusable: " + e + ")";
        }
    }

    /** Why the last {@link #forKey} returned empty; null when it never did. */
    public static final class Unavailable {
        private static volatile String reason;

        private Unavailable() {}

        static void record(String why) {
            reason = why;
        }

        public static String reason() {
            return reason;
        }
    }
}
