package dev.cloister.operator.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.SecretBytes;
import dev.cloister.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session handles in a real redis-server, as two gateway replicas use them: each replica its own client, one key they
 * share. A handle minted on one is taken on the other exactly once; Redis holds neither handles nor routes in a form
 * readable without the handle; a replica whose Redis is gone refuses rather than guesses.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RedisSessionHandlesTest {

    private final SecureRandom random = new SecureRandom();
    private final SecretBytes key = SecretBytes.random(random, 32);
    private final SessionHandles.Route route = new SessionHandles.Route("enclave-7", "c2Vzc2lvbi1pZC1zZWNyZXQ");

    private RedisSessionHandles replica(Redis redis, SecretBytes k, Duration idle) {
        return new RedisSessionHandles(redis, k, random, idle, Duration.ofSeconds(2));
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.await(10, TimeUnit.SECONDS);
    }

    @Test
    void aHandleMintedOnOneReplicaIsTakenOnceOnAnyReplica(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start()) {
            Redis a = Redis.createClient(vertx, server.connectionString());
            Redis b = Redis.createClient(vertx, server.connectionString());
            RedisSessionHandles first = replica(a, key, Duration.ofSeconds(30));
            RedisSessionHandles second = replica(b, key, Duration.ofSeconds(30));

            String handle = await(first.mint(route)).orElseThrow();
            assertTrue(handle.matches("[A-Za-z0-9_-]{22}"), handle);
            assertEquals(Optional.of(route), await(second.take(handle)), "the other replica serves the step");
            assertEquals(Optional.empty(), await(first.take(handle)), "replayed on the first replica: refused");
            assertEquals(Optional.empty(), await(second.take(handle)), "replayed on the same replica: refused");
            assertEquals(Optional.empty(), await(first.take(first.randomId())), "never minted: unknown");

            // Many replicas racing for one handle: exactly one wins.
            String raced = await(first.mint(route)).orElseThrow();
            List<io.vertx.core.Future<Optional<SessionHandles.Route>>> takes = new ArrayList<>();
            for (int i = 0; i < 16; i++) takes.add((i % 2 == 0 ? first : second).take(raced));
            await(io.vertx.core.Future.all(takes));
            assertEquals(1, takes.stream().filter(t -> t.result().isPresent()).count(), "single use across replicas");
        }
    }

    @Test
    void redisHoldsNoHandleAndNoReadableRoute(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start()) {
            Redis redis = Redis.createClient(vertx, server.connectionString());
            RedisSessionHandles handles = replica(redis, key, Duration.ofSeconds(30));
            String handle = await(handles.mint(route)).orElseThrow();
            Response keys = await(redis.send(Request.cmd(Command.KEYS).arg("*")));
            assertEquals(1, keys.size());
            String name = keys.get(0).toString();
            assertEquals(handles.keyName(handle), name);
            assertFalse(name.contains(handle), "the key does not name the handle");
            byte[] stored =
                    await(redis.send(Request.cmd(Command.GET).arg(name))).toBytes();
            String asText = new String(stored, StandardCharsets.ISO_8859_1);
            assertFalse(asText.contains(route.enclaveId()), "the enclave is not readable");
            assertFalse(asText.contains(route.enclaveSession()), "the enclave session is not readable");
            long ttl = await(redis.send(Request.cmd(Command.PTTL).arg(name))).toLong();
            assertTrue(ttl > 25_000 && ttl <= 30_000, "expires after the idle time: " + ttl);

            // The same handle under another key (another deployment, or a forged entry): no route.
            RedisSessionHandles stranger = replica(redis, SecretBytes.random(random, 32), Duration.ofSeconds(30));
            assertNotEquals(stranger.keyName(handle), name);
            assertEquals(Optional.empty(), await(stranger.take(handle)));

            // A value written by someone without the key does not open: refused as unavailable, never routed.
            await(redis.send(Request.cmd(Command.SET).arg(name).arg(new byte[64])));
            Exception e = assertThrows(Exception.class, () -> await(handles.take(handle)));
            assertInstanceOf(SessionHandles.Unavailable.class, e instanceof CompletionException ? e.getCause() : e);
        }
    }

    @Test
    void anIdleHandleExpires(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RedisSessionHandles handles =
                    replica(Redis.createClient(vertx, server.connectionString()), key, Duration.ofMillis(200));
            String handle = await(handles.mint(route)).orElseThrow();
            Thread.sleep(400);
            assertEquals(Optional.empty(), await(handles.take(handle)));
        }
    }

    @Test
    void withoutRedisNothingIsMintedOrTaken(Vertx vertx) throws Exception {
        RedisServer server = RedisServer.start();
        Redis redis = Redis.createClient(vertx, server.connectionString());
        RedisSessionHandles handles = replica(redis, key, Duration.ofSeconds(30));
        String handle = await(handles.mint(route)).orElseThrow();
        server.close();
        for (io.vertx.core.Future<?> f : List.of(handles.take(handle), handles.mint(route))) {
            Exception e = assertThrows(Exception.class, () -> await(f));
            assertInstanceOf(SessionHandles.Unavailable.class, e instanceof CompletionException ? e.getCause() : e);
        }
    }

    @Test
    void aShortKeyIsRefused(Vertx vertx) {
        Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:1");
        assertThrows(
                IllegalArgumentException.class,
                () -> replica(redis, SecretBytes.random(random, 16), Duration.ofSeconds(1)));
    }
}
