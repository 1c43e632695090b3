package dev.cloister.benchmarks.tokens;

import dev.cloister.base.SecretBytes;
import dev.cloister.tokens.ec.AwsLcKeyMultiplier;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import dev.cloister.tokens.oprf.VoprfServer;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenResponse;
import dev.cloister.tokens.privacypass.IssuanceRefusedException;
import dev.cloister.tokens.privacypass.PendingTokenBatch;
import dev.cloister.tokens.privacypass.PrivateTokenClient;
import dev.cloister.tokens.privacypass.PrivateTokenIssuer;
import dev.cloister.tokens.privacypass.ResponseRejectedException;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenFormatException;
import dev.cloister.tokens.privacypass.TokenType;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Privacy Pass issuance, token type 0x0001, in batches of 32 (issue 4 target: issuer ≥ 1,500 tokens/s on one core,
 * evaluation plus the batched DLEQ proof). Scores are tokens per second (32 operations per invocation).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TokenIssuanceBenchmark {
    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    /** Which engine multiplies by the key: AWS-LC through ACCP, or the pure-Java P-384 multiplier. */
    @Param({"AWS-LC", "Java"})
    public String engine;

    private PrivateTokenIssuer issuer;
    private PrivateTokenClient client;
    private PendingTokenBatch pending;
    private byte[] requestBytes;
    private AmortizedBatchTokenResponse response;

    @Setup
    public void setUp() throws Exception {
        System.setProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY, Boolean.toString(engine.equals("AWS-LC")));
        SecureRandom random = new SecureRandom();
        EpochKeySchedule keys = new EpochKeySchedule(
                new EpochSchedule(Instant.EPOCH, Duration.ofDays(1)),
                new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                new InsecureLocalKeyPublication(),
                Duration.ofHours(1));
        issuer = new PrivateTokenIssuer(keys, 64, random);
        client = new PrivateTokenClient(keys.issuanceKey(NOW).key().publicKey(), random);
        TokenChallenge challenge = TokenChallenge.of(
                TokenType.VOPRF_P384_SHA384, "issuer.example", new byte[0], List.of("origin.example"));
        pending = client.createBatchTokenRequest(challenge, 32);
        requestBytes = pending.request().encode();
        response = issuer.issue(pending.request(), NOW);
        if (!new VoprfServer(keys.issuanceKey(NOW).keyPair()).engine().equals(engine)) {
            throw new IllegalStateException(engine + " is not available: " + AwsLcKeyMultiplier.Unavailable.reason());
        }
    }

    /** Issuer: decode the batched request (32 strict point decodings), 32 evaluations, one batched proof, encode. */
    @Benchmark
    @OperationsPerInvocation(32)
    public byte[] issueBatchOf32() throws TokenFormatException, IssuanceRefusedException {
        return issuer.issue(AmortizedBatchTokenRequest.decode(requestBytes, 64), NOW)
                .encode();
    }

    /** Client: verify the batched proof and unblind 32 tokens (for reference; not a target). */
    @Benchmark
    @OperationsPerInvocation(32)
    public List<Token> clientFinalizeBatchOf32() throws ResponseRejectedException {
        return client.finalizeBatch(pending, response);
    }
}
