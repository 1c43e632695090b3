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
import dev.cloister.tokens.privacypass.PrivateTokenRedeemer;
import dev.cloister.tokens.privacypass.RedeemedToken;
import dev.cloister.tokens.privacypass.RedemptionRefusedException;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.tokens.store.FileSpentTokenStore;
import dev.cloister.tokens.store.InMemorySpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Redemption at the gateway (issue 4 target: ≥ 2,500 tokens/s on one core with the embedded store): hash-to-curve,
 * one scalar multiplication, the authenticator comparison, and the spend. Every invocation redeems a fresh, valid
 * token: a pool of {@value #POOL} tokens is minted once per trial (directly with the issuer key: the authenticator of a
 * valid token is Evaluate(skI, token_input)), and each iteration redeems from its start against a new, empty store, so
 * each spend appends and syncs a record. Iterations are 1 s, so the pool outlasts an iteration; a run that would
 * exhaust it fails (a double spend throws) rather than measuring refusals.
 *
 * <p>"One core": run the JMH jar under {@code taskset -c 0}; the eight-thread variant then shows what group commit gives
 * a single core.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class TokenRedemptionBenchmark {
    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final int POOL = 12_000;

    /** The issuer key and the challenge, shared by all benchmarks. */
    @State(Scope.Benchmark)
    public static class Keys {
        /** Which engine multiplies by the key: AWS-LC through ACCP, or the pure-Java P-384 multiplier. */
        @Param({"AWS-LC", "Java"})
        public String engine;

        EpochKeySchedule keys;
        PublishedIssuerKey key;
        TokenChallenge challenge;
        AcceptedChallenges accepted;
        VoprfServer server;
        Token sample;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            System.setProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY, Boolean.toString(engine.equals("AWS-LC")));
            keys = new EpochKeySchedule(
                    new EpochSchedule(Instant.EPOCH, Duration.ofDays(1)),
                    new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                    new InsecureLocalKeyPublication(),
                    Duration.ofHours(1));
            key = keys.issuanceKey(NOW);
            challenge = TokenChallenge.of(
                    TokenType.VOPRF_P384_SHA384, "issuer.example", new byte[0], List.of("origin.example"));
            accepted = AcceptedChallenges.of(challenge);
            server = new VoprfServer(key.keyPair());
            if (!server.engine().equals(engine)) {
                throw new IllegalStateException(
                        engine + " is not available: " + AwsLcKeyMultiplier.Unavailable.reason());
            }
            sample = mint(new SecureRandom());
        }

        Token mint(SecureRandom random) throws Exception {
            byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            Token unsigned = new Token(nonce, challenge.digest(), key.keyId(), new byte[48]);
            return new Token(nonce, challenge.digest(), key.keyId(), server.evaluate(unsigned.authenticatorInput()));
        }
    }

    /** Fresh tokens (minted once per trial) and a new, empty store per iteration. */
    @State(Scope.Benchmark)
    public static class Redemption {
        /** "file": the durable embedded store (append + fdatasync, group commit); "memory": no durability, for comparison. */
        @Param({"file", "memory"})
        public String store;

        Token[] pool;
        final AtomicInteger next = new AtomicInteger();
        Path dir;
        SpentTokenStore spent;
        PrivateTokenRedeemer redeemer;

        @Setup(Level.Trial)
        public void mint(Keys keys) throws Exception {
            SecureRandom random = new SecureRandom();
            pool = new Token[POOL];
            for (int i = 0; i < POOL; i++) {
                pool[i] = keys.mint(random);
            }
        }

        @Setup(Level.Iteration)
        public void openStore(Keys keys) throws Exception {
            next.set(0);
            dir = Files.createTempDirectory(Path.of(System.getProperty("user.dir")), "spent-bench-");
            spent = store.equals("file") ? FileSpentTokenStore.open(dir) : new InMemorySpentTokenStore();
            redeemer = new PrivateTokenRedeemer(keys.keys, spent);
        }

        Token nextToken() {
            int i = next.getAndIncrement();
            if (i >= POOL) {
                throw new IllegalStateException(
                        "token pool of " + POOL + " exhausted within one iteration: raise POOL");
            }
            return pool[i];
        }

        @TearDown(Level.Iteration)
        public void closeStore() throws SpentTokenStoreException, IOException {
            spent.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Full redemption of a fresh token, one thread: every spend waits for its own fdatasync. */
    @Benchmark
    @Threads(1)
    public RedeemedToken redeemOneThread(Keys keys, Redemption r)
            throws RedemptionRefusedException, SpentTokenStoreException {
        return r.redeemer.redeem(r.nextToken(), keys.accepted, NOW);
    }

    /** Full redemption from 8 threads (a gateway's worker pool): concurrent spends share one fdatasync (group commit). */
    @Benchmark
    @Threads(8)
    public RedeemedToken redeemEightThreads(Keys keys, Redemption r)
            throws RedemptionRefusedException, SpentTokenStoreException {
        return r.redeemer.redeem(r.nextToken(), keys.accepted, NOW);
    }

    /** The CPU part alone, as the redeemer runs it: hash-to-curve, x(k * P), two finalize hashes, constant-time compare. */
    @Benchmark
    @Threads(1)
    public boolean verifyAuthenticatorOnly(Keys keys) throws Exception {
        return keys.server.verify(keys.sample.authenticatorInput(), keys.sample.authenticator());
    }
}
