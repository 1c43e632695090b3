package dev.cloister.benchmarks.tokens;

import dev.cloister.base.SecretBytes;
import dev.cloister.tokens.ec.AwsLcKeyMultiplier;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import dev.cloister.tokens.keys.PublishedIssuerKey;
import dev.cloister.tokens.oprf.VoprfServer;
import dev.cloister.tokens.privacypass.AcceptedChallenges;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.PendingTokenBatch;
import dev.cloister.tokens.privacypass.PrivateTokenClient;
import dev.cloister.tokens.privacypass.PrivateTokenIssuer;
import dev.cloister.tokens.privacypass.PrivateTokenRedeemer;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.tokens.store.FileSpentTokenStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Thread CPU time per token of issuance (batch of 32) and of the redeemer's authenticator check, for a shared machine
 * where JMH's wall-clock throughput mostly measures the other tenants. It reports the median of 9 rounds of the
 * CPU time the measuring thread itself used (one core's worth of work), after a warm-up.
 * Only the public tokens API is used, so the same class runs against an older tokens jar placed first on the class path.
 *
 * Both key-multiplication engines (AWS-LC and the pure-Java multiplier) are measured in the same run, a warm-up pass
 * then a measured pass each.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.tokens.TokenCpuTime [primitives]</pre>
 * ({@code primitives} adds the old-against-new P-384 primitives of {@link TokenPrimitivesBenchmark}).
 */
public final class TokenCpuTime {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private TokenCpuTime() {}

    public static void main(String[] args) throws Exception {
        System.out.println("token key multiples: " + AwsLcKeyMultiplier.engineDescription());
        // Both engines in one run, interleaved, so that the machine's noise hits both alike.
        for (int pass = 0; pass < 2; pass++) {
            for (boolean awsLc : new boolean[] {true, false}) {
                System.setProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY, Boolean.toString(awsLc));
                measure(awsLc ? "AWS-LC" : "Java", pass == 1);
            }
        }
        System.clearProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY);
        if (args.length > 0 && args[0].equals("primitives")) {
            TokenPrimitivesBenchmark p = new TokenPrimitivesBenchmark();
            p.setUp();
            report("primitive: k * P, BouncyCastle ECPoint.multiply (old)", 1, 200, p::keyTimesPointOld);
            report("primitive: k * P, P384FixedScalarMultiplier (new)", 1, 200, p::keyTimesPointNew);
            report("primitive: k * P in a batch of 32, BouncyCastle (old)", 32, 8, p::keyTimesBatchOf32Old);
            report(
                    "primitive: k * P in a batch of 32, P384FixedScalarMultiplier (new)",
                    32,
                    8,
                    p::keyTimesBatchOf32New);
            report("primitive: hash_to_curve P-384, inversion + BC sqrt (old)", 1, 800, p::hashToCurveOld);
            report("primitive: hash_to_curve P-384, sqrt_ratio (new)", 1, 800, p::hashToCurveNew);
        }
    }

    /** One engine's issuance, authenticator check and full redemption; the first pass only warms up. */
    private static void measure(String engine, boolean print) throws Exception {
        SecureRandom random = new SecureRandom();
        EpochKeySchedule keys = new EpochKeySchedule(
                new EpochSchedule(Instant.EPOCH, Duration.ofDays(1)),
                new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                new InsecureLocalKeyPublication(),
                Duration.ofHours(1));
        PublishedIssuerKey key = keys.issuanceKey(NOW);
        PrivateTokenIssuer issuer = new PrivateTokenIssuer(keys, 64, random);
        PrivateTokenClient client = new PrivateTokenClient(key.key().publicKey(), random);
        TokenChallenge challenge = TokenChallenge.of(
                TokenType.VOPRF_P384_SHA384, "issuer.example", new byte[0], List.of("origin.example"));
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, 32);
        byte[] request = pending.request().encode();
        VoprfServer server = new VoprfServer(key.keyPair());
        if (!server.engine().equals(engine)) {
            throw new IllegalStateException("wanted " + engine + ", got " + server.engine());
        }
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        Token token = new Token(nonce, challenge.digest(), key.keyId(), new byte[48]);
        byte[] input = token.authenticatorInput();
        byte[] output = server.evaluate(input);
        String tag = "[" + engine + "] ";
        report(
                print,
                tag + "issue batch of 32 (decode, 32 evaluations, proof, encode)",
                32,
                20,
                () -> issuer.issue(AmortizedBatchTokenRequest.decode(request, 64), NOW)
                        .encode());
        report(print, tag + "authenticator check (hash-to-curve, k * P, finalize)", 1, 400, () -> {
            input[2]++;
            server.verify(input, output);
        });
        redeemWithFileStore(print, tag, keys, key, challenge, server, random);
    }

    /**
     * Full redemptions (decode, checks, authenticator, spend with the durable file store) from 8 threads; the whole
     * process's CPU time (the store's sync thread, JIT and GC included) divided by the tokens redeemed: what one core
     * sustains when the spends' fdatasync waits overlap (group commit).
     */
    private static void redeemWithFileStore(
            boolean print,
            String tag,
            EpochKeySchedule keys,
            PublishedIssuerKey key,
            TokenChallenge challenge,
            VoprfServer server,
            SecureRandom random)
            throws Exception {
        int perRound = 2_000;
        Token[] pool = new Token[perRound * 4];
        for (int i = 0; i < pool.length; i++) {
            byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            Token unsigned = new Token(nonce, challenge.digest(), key.keyId(), new byte[48]);
            pool[i] = new Token(nonce, challenge.digest(), key.keyId(), server.evaluate(unsigned.authenticatorInput()));
        }
        AcceptedChallenges accepted = AcceptedChallenges.of(challenge);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] micros = new double[4];
        for (int round = 0; round < 4; round++) {
            Path dir = Files.createTempDirectory("spent-cpu-");
            try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
                PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, store);
                AtomicInteger next = new AtomicInteger(round * perRound);
                int end = (round + 1) * perRound;
                long cpu = os.getProcessCpuTime();
                Thread[] threads = new Thread[8];
                for (int t = 0; t < threads.length; t++) {
                    threads[t] = Thread.ofPlatform().start(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < end) {
                            try {
                                redeemer.redeem(pool[i], accepted, NOW);
                            } catch (Exception e) {
                                throw new IllegalStateException("redemption failed", e);
                            }
                        }
                    });
                }
                for (Thread t : threads) {
                    t.join();
                }
                micros[round] = (os.getProcessCpuTime() - cpu) / 1e3 / perRound;
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
        double[] measured = Arrays.copyOfRange(micros, 1, micros.length); // round 0 warms up
        Arrays.sort(measured);
        double median = measured[measured.length / 2];
        if (!print) {
            return;
        }
        System.out.printf(
                "%-70s median %7.1f us CPU per token (min %.1f, max %.1f) = %,.0f tokens per CPU-second%n",
                tag + "redeem, file store, 8 threads (process CPU time)",
                median,
                measured[0],
                measured[measured.length - 1],
                1e6 / median);
    }

    private static void report(String what, int tokensPerCall, int callsPerRound, Work work) throws Exception {
        report(true, what, tokensPerCall, callsPerRound, work);
    }

    private static void report(boolean print, String what, int tokensPerCall, int callsPerRound, Work work)
            throws Exception {
        for (int i = 0; i < 3 * callsPerRound; i++) {
            work.run();
        }
        double[] microsPerToken = new double[9];
        for (int round = 0; round < microsPerToken.length; round++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < callsPerRound; i++) {
                work.run();
            }
            microsPerToken[round] = (THREADS.getCurrentThreadCpuTime() - start) / 1e3 / callsPerRound / tokensPerCall;
        }
        Arrays.sort(microsPerToken);
        double median = microsPerToken[microsPerToken.length / 2];
        if (!print) {
            return;
        }
        System.out.printf(
                "%-70s median %7.1f us CPU per token (min %.1f, max %.1f) = %,.0f tokens per CPU-second%n",
                what, median, microsPerToken[0], microsPerToken[microsPerToken.length - 1], 1e6 / median);
    }
}
