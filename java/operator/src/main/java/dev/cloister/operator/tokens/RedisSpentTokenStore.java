package dev.cloister.operator.tokens;

import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.store.SpendResult;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStoreException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spent tokens in Redis, shared by several gateways: one key per (epoch, nonce), written with
 * {@code SET key 1 NX PXAT <end of the epoch's redemption window>}. {@code NX} makes the first writer win atomically
 * across every gateway; the expiry drops an epoch's nonces when its key can no longer redeem.
 *
 * <p>{@link #spend} blocks until Redis answers (bounded by {@code timeout}), so it runs on worker or virtual threads,
 * never on an event loop. Any doubt (timeout, connection error, unexpected reply) refuses the token.
 */
public final class RedisSpentTokenStore implements SpentTokenStore {

    private static final String PREFIX = "cloister:spent:";

    private final Redis redis;
    private final EpochSchedule schedule;
    private final Duration redemptionGrace;
    private final Duration timeout;
    private final AtomicLong oldest = new AtomicLong(Long.MIN_VALUE);

    public RedisSpentTokenStore(
            Vertx vertx, String connectionString, EpochSchedule schedule, Duration redemptionGrace, Duration timeout) {
        this.redis = Redis.createClient(
                vertx,
                new RedisOptions()
                        .setConnectionString(connectionString)
                        .setMaxPoolSize(16)
                        .setMaxPoolWaiting(256));
        this.schedule = Objects.requireNonNull(schedule);
        this.redemptionGrace = Objects.requireNonNull(redemptionGrace);
        this.timeout = Objects.requireNonNull(timeout);
    }

    @Override
    public SpendResult spend(Epoch epoch, byte[] nonce) throws SpentTokenStoreException {
        SpentTokenStore.checkNonce(nonce);
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException(
                    "RedisSpentTokenStore.spend blocks: call it from a worker or virtual thread");
        }
        if (epoch.index() < oldest.get()) {
            return SpendResult.EPOCH_RETIRED;
        }
        // Nonces are kept one whole epoch longer than the key can redeem: a gateway whose clock lags Redis's, or a
        // request that queued, must never write an already-expired key (which would let the token be spent again).
        long expiresAt = schedule.end(epoch)
                .plus(redemptionGrace)
                .plus(schedule.length())
                .toEpochMilli();
        Request set = Request.cmd(Command.SET)
                .arg(PREFIX + epoch.index() + ":" + HexFormat.of().formatHex(nonce))
                .arg("1")
                .arg("NX")
                .arg("PXAT")
                .arg(expiresAt);
        Response reply;
        try {
            // Blocks this worker thread (not an event loop) until Redis answers or the timeout passes.
            reply = redis.send(set)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpentTokenStoreException("interrupted while waiting for Redis; refusing the token", e);
        } catch (Exception e) {
            throw new SpentTokenStoreException("Redis did not confirm the spend in time; refusing the token", e);
        }
        if (reply == null) {
            return SpendResult.ALREADY_SPENT;
        }
        if ("OK".equals(reply.toString())) {
            return SpendResult.SPENT;
        }
        throw new SpentTokenStoreException("unexpected Redis reply to SET NX; refusing the token");
    }

    @Override
    public void retireBefore(Epoch oldestKept) {
        oldest.accumulateAndGet(oldestKept.index(), Math::max);
    }

    @Override
    public void close() {
        redis.close();
    }
}
