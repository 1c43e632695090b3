package dev.cloister.operator.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.SecretBytes;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.server.ListenAddress;
import dev.cloister.testing.RedisServer;
import dev.cloister.tokens.auth.PrivateTokenChallenge;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenResponse;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import dev.cloister.tokens.privacypass.PendingTokenBatch;
import dev.cloister.tokens.privacypass.PrivateTokenClient;
import dev.cloister.tokens.privacypass.PrivateTokenRedeemer;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.tokens.store.FileSpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privacy Pass end to end: a batch of tokens from the real issuer over HTTP, redeemed at the gateway's token gate with
 * the embedded file store and with a real Redis shared by two gateways.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PrivacyPassFlowTest {

    private static final String ACCOUNT = "alice-app-credential-0001";

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EpochKeySchedule keys;
    private IssuerVerticle issuer;
    private WebClient web;
    private String base;
    private final TokenChallenge challenge = TokenChallenge.of(
            TokenType.VOPRF_P384_SHA384, "issuer.cloister.example", new byte[0], List.of("gateway.cloister.example"));

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        keys = new EpochKeySchedule(
                new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                new EpochKeySource.Derived(SecretBytes.copyOf(seed)),
                new InsecureLocalKeyPublication(),
                Duration.ofHours(1));
        Path accounts = dir.resolve("accounts");
        Files.writeString(accounts, "# accounts\n" + ACCOUNT + "\nbob-app-credential-0002\n");
        issuer = new IssuerVerticle(
                new ListenAddress("127.0.0.1", 0),
                keys,
                AccountFile.load(accounts),
                40,
                32,
                "https://issuer.cloister.example/token-request",
                null,
                registry,
                Clock.systemUTC());
        vertx.deployVerticle(issuer).await(10, TimeUnit.SECONDS);
        web = WebClient.create(vertx);
        base = "http://127.0.0.1:" + issuer.actualPort();
    }

    @AfterEach
    void stop() {
        web.close();
    }

    private List<Token> obtainTokens(int count) throws Exception {
        IssuerDirectory directory = IssuerDirectory.parse(web.getAbs(base + IssuerDirectory.WELL_KNOWN_PATH)
                .send()
                .await(10, TimeUnit.SECONDS)
                .bodyAsString());
        IssuerPublicKey key = IssuerPublicKey.decode(
                directory.tokenKeys().getFirst().tokenKey().toByteArray());
        PrivateTokenClient client = new PrivateTokenClient(key, random);
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, count);
        HttpResponse<Buffer> response = web.postAbs(base + "/token-request")
                .putHeader("authorization", "Bearer " + ACCOUNT)
                .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE)
                .sendBuffer(Buffer.buffer(pending.request().encode()))
                .await(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), () -> response.bodyAsString());
        assertEquals(AmortizedBatchTokenResponse.MEDIA_TYPE, response.getHeader("content-type"));
        return client.finalizeBatch(
                pending, AmortizedBatchTokenResponse.decode(response.body().getBytes(), 32));
    }

    private static BinaryRequest withToken(Token token) {
        return BinaryRequest.of(
                "POST",
                "https",
                "gateway.cloister.example",
                "/echo",
                FieldSection.of("authorization", PrivateTokenCredentials.format(token)),
                "hi".getBytes());
    }

    private TokenGate gate(Vertx vertx, SpentTokenStore store) {
        return new TokenGate(
                vertx,
                new EchoTarget(),
                keys,
                new PrivateTokenRedeemer(keys, store),
                challenge,
                registry,
                Clock.systemUTC());
    }

    private void redeemEachOnceThenRefuse(TokenGate gate, List<Token> tokens) throws Exception {
        for (Token token : tokens) {
            assertEquals(
                    200,
                    gate.handle(withToken(token)).await(10, TimeUnit.SECONDS).status());
        }
        BinaryResponse again = gate.handle(withToken(tokens.getFirst())).await(10, TimeUnit.SECONDS);
        assertEquals(401, again.status(), "a spent token is refused");
        String header = again.headers().first("www-authenticate").orElseThrow();
        PrivateTokenChallenge fresh = PrivateTokenChallenge.parseHeader(header).getFirst();
        assertEquals(challenge, fresh.decodeChallenge(), "the 401 carries this origin's challenge");
    }

    @Test
    void batchFromTheIssuerRedeemsOnceWithTheFileStore(Vertx vertx) throws Exception {
        List<Token> tokens = obtainTokens(8);
        assertEquals(8, tokens.size());
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir.resolve("spent"))) {
            redeemEachOnceThenRefuse(gate(vertx, store), tokens);
        }
        // After a restart the spent tokens are still spent.
        try (FileSpentTokenStore reopened = FileSpentTokenStore.open(dir.resolve("spent"))) {
            assertEquals(
                    401,
                    gate(vertx, reopened)
                            .handle(withToken(tokens.get(3)))
                            .await(10, TimeUnit.SECONDS)
                            .status());
        }
    }

    @Test
    void batchFromTheIssuerRedeemsOnceWithRedis(Vertx vertx) throws Exception {
        List<Token> tokens = obtainTokens(8);
        try (RedisServer redis = RedisServer.start();
                RedisSpentTokenStore store = new RedisSpentTokenStore(
                        vertx, redis.connectionString(), keys.schedule(), Duration.ofHours(1), Duration.ofSeconds(5))) {
            redeemEachOnceThenRefuse(gate(vertx, store), tokens);
        }
    }

    @Test
    void concurrentDoubleSpendAcrossTwoGatewaysSharingRedisHasExactlyOneWinner(Vertx vertx) throws Exception {
        List<Token> tokens = obtainTokens(4);
        try (RedisServer redis = RedisServer.start();
                RedisSpentTokenStore first = new RedisSpentTokenStore(
                        vertx, redis.connectionString(), keys.schedule(), Duration.ofHours(1), Duration.ofSeconds(5));
                RedisSpentTokenStore second = new RedisSpentTokenStore(
                        vertx, redis.connectionString(), keys.schedule(), Duration.ofHours(1), Duration.ofSeconds(5))) {
            TokenGate gatewayA = gate(vertx, first);
            TokenGate gatewayB = gate(vertx, second);
            for (Token token : tokens) {
                List<Future<BinaryResponse>> attempts = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    attempts.add((i % 2 == 0 ? gatewayA : gatewayB).handle(withToken(token)));
                }
                Future.join(attempts).await(20, TimeUnit.SECONDS);
                long wins = attempts.stream()
                        .filter(f -> f.result().status() == 200)
                        .count();
                assertEquals(1, wins, "exactly one of 12 concurrent redemptions wins");
                assertTrue(attempts.stream()
                        .allMatch(f -> f.result().status() == 200 || f.result().status() == 401));
            }
        }
    }

    @Test
    void missingOrForgedTokensGetAChallenge(Vertx vertx) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir.resolve("spent"))) {
            TokenGate gate = gate(vertx, store);
            BinaryResponse none = gate.handle(
                            BinaryRequest.of("GET", "https", "g", "/", FieldSection.EMPTY, new byte[0]))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(401, none.status());
            assertTrue(none.headers().first("www-authenticate").orElseThrow().startsWith("PrivateToken "));
            BinaryResponse garbage = gate.handle(BinaryRequest.of(
                            "GET",
                            "https",
                            "g",
                            "/",
                            FieldSection.of("authorization", "PrivateToken token=AAAA"),
                            new byte[0]))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(401, garbage.status());
            Token real = obtainTokens(1).getFirst();
            byte[] forged = real.encode();
            forged[forged.length - 1] ^= 1;
            BinaryResponse tampered = gate.handle(BinaryRequest.of(
                            "GET",
                            "https",
                            "g",
                            "/",
                            FieldSection.of("authorization", PrivateTokenCredentials.format(forged)),
                            new byte[0]))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(401, tampered.status());
            assertEquals(
                    200,
                    gate.handle(withToken(real)).await(10, TimeUnit.SECONDS).status(),
                    "the untampered token still redeems: the forged one did not spend it");
        }
    }

    @Test
    void issuerRefusesStrangersWrongMediaTypesAndAccountsOverQuota() throws Exception {
        HttpResponse<Buffer> stranger = web.postAbs(base + "/token-request")
                .putHeader("authorization", "Bearer nobody")
                .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE)
                .sendBuffer(Buffer.buffer(new byte[10]))
                .await(10, TimeUnit.SECONDS);
        assertEquals(401, stranger.statusCode());
        HttpResponse<Buffer> wrongType = web.postAbs(base + "/token-request")
                .putHeader("authorization", "Bearer " + ACCOUNT)
                .putHeader("content-type", "application/json")
                .sendBuffer(Buffer.buffer("{}"))
                .await(10, TimeUnit.SECONDS);
        assertEquals(415, wrongType.statusCode());
        HttpResponse<Buffer> garbage = web.postAbs(base + "/token-request")
                .putHeader("authorization", "Bearer " + ACCOUNT)
                .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE)
                .sendBuffer(Buffer.buffer(new byte[7]))
                .await(10, TimeUnit.SECONDS);
        assertEquals(400, garbage.statusCode());
        obtainTokens(32);
        obtainTokens(8); // 40 tokens: the whole quota for this epoch
        IssuerPublicKey key =
                IssuerPublicKey.decode(IssuerDirectory.parse(web.getAbs(base + IssuerDirectory.WELL_KNOWN_PATH)
                                .send()
                                .await(10, TimeUnit.SECONDS)
                                .bodyAsString())
                        .tokenKeys()
                        .getFirst()
                        .tokenKey()
                        .toByteArray());
        PendingTokenBatch one = new PrivateTokenClient(key, random).createBatchTokenRequest(challenge, 1);
        HttpResponse<Buffer> over = web.postAbs(base + "/token-request")
                .putHeader("authorization", "Bearer " + ACCOUNT)
                .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE)
                .sendBuffer(Buffer.buffer(one.request().encode()))
                .await(10, TimeUnit.SECONDS);
        assertEquals(429, over.statusCode());
        assertTrue(Long.parseLong(over.getHeader("retry-after")) > 0);
    }
}
