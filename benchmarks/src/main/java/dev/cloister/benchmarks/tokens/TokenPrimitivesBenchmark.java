package dev.cloister.benchmarks.tokens;

import dev.cloister.tokens.ec.P384FixedScalarMultiplier;
import dev.cloister.tokens.h2c.HashToCurve;
import dev.cloister.tokens.h2c.HashToCurveSuite;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Old against new for the two P-384 primitives that bound issuance and redemption, side by side in one run:
 * the server key times a point (BouncyCastle's {@code ECPoint.multiply}, i.e. {@code WNafL2RMultiplier}, against
 * {@link P384FixedScalarMultiplier}, alone and in a batch of 32) and hash_to_curve (the previous SSWU with
 * BouncyCastle square roots against the sqrt_ratio version). Scores are operations (points) per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TokenPrimitivesBenchmark {
    private static final byte[] DST =
            "HashToGroup-OPRFV1-\u0001-P384-SHA384".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private ECCurve curve;
    private BigInteger k;
    private P384FixedScalarMultiplier fixed;
    private ECPoint[] points;
    private int next;
    private HashToCurve hashToCurve;
    private ReferenceSswu reference;
    private final byte[] message = new byte[98];

    @Setup
    public void setUp() {
        X9ECParameters params = CustomNamedCurves.getByName("secp384r1");
        curve = params.getCurve();
        SecureRandom random = new SecureRandom();
        k = new BigInteger(383, random).setBit(382);
        fixed = new P384FixedScalarMultiplier(curve, k);
        points = new ECPoint[32];
        for (int i = 0; i < points.length; i++) {
            points[i] = params.getG().multiply(new BigInteger(383, random)).normalize();
        }
        hashToCurve = HashToCurve.of(HashToCurveSuite.P384_XMD_SHA384_SSWU);
        reference = new ReferenceSswu();
        random.nextBytes(message);
    }

    /** A fresh copy of a point, so BouncyCastle cannot reuse the wNAF table it caches on a point it has seen. */
    private ECPoint freshPoint() {
        ECPoint p = points[next++ & 31];
        return curve.createPoint(
                p.getAffineXCoord().toBigInteger(), p.getAffineYCoord().toBigInteger());
    }

    @Benchmark
    public ECPoint keyTimesPointOld() {
        return freshPoint().multiply(k).normalize();
    }

    @Benchmark
    public ECPoint keyTimesPointNew() {
        return fixed.multiply(freshPoint());
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public ECPoint[] keyTimesBatchOf32Old() {
        ECPoint[] out = new ECPoint[32];
        for (int i = 0; i < 32; i++) {
            out[i] = freshPoint().multiply(k);
        }
        curve.normalizeAll(out);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public ECPoint[] keyTimesBatchOf32New() {
        ECPoint[] in = new ECPoint[32];
        for (int i = 0; i < 32; i++) {
            in[i] = freshPoint();
        }
        return fixed.multiplyAll(in);
    }

    @Benchmark
    public ECPoint hashToCurveOld() {
        message[0]++;
        return reference.hashToCurve(message, DST);
    }

    @Benchmark
    public ECPoint hashToCurveNew() {
        message[0]++;
        return hashToCurve.hashToCurve(message, DST);
    }
}
