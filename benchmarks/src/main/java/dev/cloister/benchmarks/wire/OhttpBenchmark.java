package dev.cloister.benchmarks.wire;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeEngine;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.hpke.X25519Engine;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyRing;
import dev.cloister.wire.ohttp.ObliviousGateway;
import dev.cloister.wire.ohttp.ObliviousRequest;
import dev.cloister.wire.ohttp.OhttpException;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's per-request cryptography: decapsulate a 1 KiB request and encapsulate a 1 KiB response
 * (issue target: ≥ 8,000 ops/s on one thread with X25519 and AES-128-GCM). Also the client's side for reference.
 *
 * <p>{@code engine} picks what computes HMAC and AES-GCM ({@link HpkeEngine}) and {@code x25519} what computes the
 * X25519 Diffie-Hellman ({@link X25519Engine}; P-256 ignores it): each parameter set runs in its own JVM, and the
 * choices are made there before the first HPKE call. BoringSSL's figures for the same operations come from
 * {@code benchmarks/boringssl-hpke/run.sh}, which runs both side by side.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class OhttpBenchmark {

    @Param({"X25519", "P256"})
    public String kem;

    @Param({"AWS_LC", "JDK"})
    public String engine;

    @Param({"OPENSSL", "BOUNCY_CASTLE"})
    public String x25519;

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private final SecureRandom random = new SecureRandom();
    private final byte[] body = new byte[1024];
    private final byte[] responseBody = new byte[1024];
    private ObliviousGateway gateway;
    private GatewayKey key;
    private SymmetricAlgorithm algorithm;
    private byte[][] requests;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws OhttpException {
        System.setProperty(HpkeEngine.ENABLED_PROPERTY, Boolean.toString(engine.equals("AWS_LC")));
        if (HpkeEngine.selected() != HpkeEngine.valueOf(engine)) {
            throw new IllegalStateException("asked for " + engine + ", got " + HpkeEngine.description());
        }
        System.setProperty(X25519Engine.ENABLED_PROPERTY, Boolean.toString(x25519.equals("OPENSSL")));
        if (X25519Engine.selected() != X25519Engine.valueOf(x25519)) {
            throw new IllegalStateException("asked for " + x25519 + ", got " + X25519Engine.description());
        }
        KemId kemId = kem.equals("X25519") ? KemId.DHKEM_X25519_HKDF_SHA256 : KemId.DHKEM_P256_HKDF_SHA256;
        algorithm = new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        key = GatewayKey.generate(
                1, kemId, List.of(algorithm), NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)), random);
        KeyRing ring = new KeyRing(List.of(key), Duration.ZERO);
        gateway = new ObliviousGateway(() -> ring);
        random.nextBytes(body);
        random.nextBytes(responseBody);
        // Distinct requests, prepared outside the measurement, so that only the gateway's work is timed.
        requests = new byte[4096][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = ObliviousRequest.encapsulate(key.config(), algorithm, body, random)
                    .bytes();
        }
    }

    /**
     * This thread's CPU time, sampled every 64 calls: on a machine shared with other work the wall-clock score depends
     * on how much of a core the benchmark got, while {@code sampledCalls / cpuNanos} (operations per CPU-second, what
     * {@code boringssl-hpke/run.sh} compares with the C program's) does not. JMH reports both as per-iteration totals.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long cpuNanos;
        public long sampledCalls;
        private long calls;
        private long start;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            sampledCalls = 0;
            calls = 0;
            start = THREADS.getCurrentThreadCpuTime();
        }

        void called() {
            if ((++calls & 63) == 0) {
                cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
                sampledCalls = calls;
            }
        }
    }

    /** Gateway: decapsulate a 1 KiB request and encapsulate a 1 KiB response. */
    @Benchmark
    public byte[] gatewayDecapsulateAndRespond(CpuTime cpu) throws OhttpException {
        byte[] request = requests[next++ & (requests.length - 1)];
        ObliviousGateway.DecapsulatedRequest inner = gateway.decapsulate(request, NOW);
        byte[] out = inner.encapsulateResponse(responseBody, random);
        cpu.called();
        return out;
    }

    /** Client: encapsulate a 1 KiB request (an ephemeral key pair and one DH). */
    @Benchmark
    public byte[] clientEncapsulate(CpuTime cpu) throws OhttpException {
        byte[] out = ObliviousRequest.encapsulate(key.config(), algorithm, body, random)
                .bytes();
        cpu.called();
        return out;
    }
}
