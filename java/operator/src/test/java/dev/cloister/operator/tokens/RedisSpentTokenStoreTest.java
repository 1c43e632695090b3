package dev.cloister.operator.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.RedisServer;
import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.store.SpendResult;
import dev.cloister.tokens.store.SpentTokenStoreException;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis store against a real redis-server: once per nonce, expiry at the epoch's end, fail closed. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RedisSpentTokenStoreTest {

    private final EpochSchedule schedule = new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1));
    private final SecureRandom random = new SecureRandom();

    private byte[] nonce() {
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        return nonce;
    }

    @Test
    void spendsOnceAndExpiresWithTheEpoch(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start();
                RedisSpentTokenStore store = new RedisSpentTokenStore(
                        vertx, server.connectionString(), schedule, Duration.ofHours(1), Duration.ofSeconds(5))) {
            Epoch epoch = schedule.epochAt(Instant.now());
            byte[] nonce = nonce();
            assertEquals(SpendResult.SPENT, store.spend(epoch, nonce));
            assertEquals(SpendResult.ALREADY_SPENT, store.spend(epoch, nonce));
            assertEquals(SpendResult.SPENT, store.spend(epoch.next(), nonce), "epochs are separate");

            Redis probe = Redis.createClient(vertx, server.connectionString());
            long ttl = probe.send(Request.cmd(Command.PTTL)
                            .arg("cloister:spent:" + epoch.index() + ":"
                                    + HexFormat.of().formatHex(nonce)))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get()
                    .toLong();
            long expected = Duration.between(
                            Instant.now(),
                            schedule.end(epoch).plus(Duration.ofHours(1)).plus(schedule.length()))
                    .toMillis();
            assertTrue(ttl > 0 && Math.abs(ttl - expected) < 60_000, "expiry an epoch after redemption ends: " + ttl);
            probe.close();

            store.retireBefore(epoch.next());
            assertEquals(SpendResult.EPOCH_RETIRED, store.spend(epoch, nonce()));
        }
    }

    @Test
    void unreachableRedisRefusesTheToken(Vertx vertx) throws Exception {
        RedisServer server = RedisServer.start();
        String url = server.connectionString();
        server.close();
        try (RedisSpentTokenStore store =
                new RedisSpentTokenStore(vertx, url, schedule, Duration.ofHours(1), Duration.ofSeconds(2))) {
            assertThrows(SpentTokenStoreException.class, () -> store.spend(schedule.epochAt(Instant.now()), nonce()));
        }
    }

    @Test
    void refusesToBlockAnEventLoop(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start();
                RedisSpentTokenStore store = new RedisSpentTokenStore(
                        vertx, server.connectionString(), schedule, Duration.ofHours(1), Duration.ofSeconds(2))) {
            IllegalStateException onLoop =
                    runOnEventLoop(vertx, () -> store.spend(schedule.epochAt(Instant.now()), nonce()));
            assertTrue(onLoop.getMessage().contains("worker"));
        }
    }

    interface Spend {
        SpendResult run() throws Exception;
    }

    private static IllegalStateException runOnEventLoop(Vertx vertx, Spend spend) throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> seen = new java.util.concurrent.CompletableFuture<>();
        vertx.runOnContext(v -> {
            try {
                spend.run();
                seen.complete(null);
            } catch (Throwable e) {
                seen.complete(e);
            }
        });
        Throwable e = seen.get(10, TimeUnit.SECONDS);
        return assertThrows(IllegalStateException.class, () -> {
            if (e != null) throw e;
        });
    }
}
