package dev.cloister.operator.sessions;

import dev.cloister.base.SecretBytes;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Session handles in Redis, shared by every gateway replica: any replica mints, any replica takes, and a handle still
 * works exactly once across all of them.
 *
 * <ul>
 *   <li>Mint: {@code SET cloister:handle:<id> <sealed route> NX PX <idle>}; {@code NX} refuses a collision.</li>
 *   <li>Take: {@code GETDEL cloister:handle:<id>}: the one replica whose {@code GETDEL} returns the value serves the
 *       step; every other (a replay, on any replica) reads nothing.</li>
 * </ul>
 *
 * Nothing in Redis leads to a route without the handle: {@code id = HMAC-SHA256(K, "cloister session handle id" || 0
 * || handle)} names the key, and the route is sealed with AES-128-GCM under {@code HMAC-SHA256(K, "cloister session
 * handle seal" || 0 || handle)[0..16]} (the key's name as associated data). {@code K} is a secret the replicas share
 * (a file); someone who reads Redis learns neither the handles nor where their sessions go.
 *
 * <p>Any doubt (no connection, no answer within {@code timeout}, an unexpected or tampered value) fails the future with
 * {@link SessionHandles.Unavailable}; the caller never forwards a step it could not check.
 */
public final class RedisSessionHandles implements SessionHandles {

    /** The least length of the key shared by the replicas. */
    public static final int MIN_KEY_BYTES = 32;

    private static final String PREFIX = "cloister:handle:";
    private static final byte[] ID_LABEL = "cloister session handle id\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEAL_LABEL = "cloister session handle seal\0".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** The longest route sealed: an enclave id and a session id, each at most 255 bytes. */
    private static final int MAX_SEALED = NONCE_BYTES + 1 + 255 + 255 + TAG_BITS / 8;

    private final Redis redis;
    private final SecretKeySpec key;
    private final SecureRandom random;
    private final Duration idle;
    private final Duration timeout;

    /**
     * @param redis the client (its connections are shared with nothing that blocks)
     * @param sharedKey at least {@value #MIN_KEY_BYTES} secret bytes, the same on every replica
     * @param idle how long an unused handle lives
     * @param timeout how long Redis has to answer before the step is refused as unavailable
     */
    public RedisSessionHandles(
            Redis redis, SecretBytes sharedKey, SecureRandom random, Duration idle, Duration timeout) {
        this.redis = Objects.requireNonNull(redis);
        if (sharedKey.length() < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "the session handle key needs at least " + MIN_KEY_BYTES + " bytes, not " + sharedKey.length());
        }
        byte[] k = sharedKey.reveal();
        try {
            this.key = new SecretKeySpec(k, "HmacSHA256");
        } finally {
            Arrays.fill(k, (byte) 0);
        }
        this.random = Objects.requireNonNull(random);
        if (idle.toMillis() < 1) throw new IllegalArgumentException("idle must be at least a millisecond");
        this.idle = idle;
        this.timeout = Objects.requireNonNull(timeout);
    }

    @Override
    public String randomId() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public Future<Optional<String>> mint(Route route) {
        String handle = randomId();
        String name = keyName(handle);
        byte[] sealed;
        try {
            sealed = seal(handle, name, route);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Future.failedFuture(new Unavailable("could not seal the session route", e));
        }
        Request set = Request.cmd(Command.SET)
                .arg(name)
                .arg(sealed)
                .arg("NX")
                .arg("PX")
                .arg(idle.toMillis());
        return send(set, "mint").compose(reply -> {
            if (reply == null) {
                // A 128-bit collision: never overwrite, never hand out a handle that names someone else's session.
                return Future.failedFuture(new Unavailable("a minted handle collided; refusing it", null));
            }
            if (!"OK".equals(reply.toString())) {
                return Future.failedFuture(new Unavailable("unexpected Redis reply to SET NX", null));
            }
            return Future.succeededFuture(Optional.of(handle));
        });
    }

    @Override
    public Future<Optional<Route>> take(String handle) {
        String name = keyName(handle);
        return send(Request.cmd(Command.GETDEL).arg(name), "take").compose(reply -> {
            if (reply == null) return Future.succeededFuture(Optional.empty());
            byte[] sealed = reply.toBytes();
            if (sealed == null || sealed.length > MAX_SEALED) {
                return Future.failedFuture(new Unavailable("unexpected Redis reply to GETDEL", null));
            }
            try {
                return Future.succeededFuture(Optional.of(open(handle, name, sealed)));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // Written by someone without the key, or under another key: not a route this gateway can trust.
                return Future.failedFuture(new Unavailable("a stored session route did not open", e));
            }
        });
    }

    private Future<Response> send(Request request, String what) {
        Future<Response> reply;
        try {
            reply = redis.send(request);
        } catch (RuntimeException e) {
            reply = Future.failedFuture(e);
        }
        return reply.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .recover(e -> Future.failedFuture(
                        e instanceof Unavailable ? e : new Unavailable("Redis did not " + what + " the handle", e)));
    }

    /** The Redis key of a handle: its keyed hash, so the key names no handle. */
    String keyName(String handle) {
        return PREFIX + HexFormat.of().formatHex(derive(ID_LABEL, handle));
    }

    private byte[] derive(byte[] label, String handle) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(label);
            return mac.doFinal(handle.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    private Cipher cipher(int mode, String handle, String name, byte[] nonce) throws GeneralSecurityException {
        byte[] k = derive(SEAL_LABEL, handle);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(k, 0, 16, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(name.getBytes(StandardCharsets.US_ASCII));
            return cipher;
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /** {@code nonce || AES-128-GCM(len(enclaveId) || enclaveId || len(enclaveSession) || enclaveSession)}. */
    private byte[] seal(String handle, String name, Route route) throws GeneralSecurityException {
        byte[] id = route.enclaveId().getBytes(StandardCharsets.UTF_8);
        byte[] session = route.enclaveSession().getBytes(StandardCharsets.UTF_8);
        if (id.length > 255 || session.length > 255) {
            throw new IllegalArgumentException("enclave and session ids are at most 255 bytes");
        }
        byte[] plain = ByteBuffer.allocate(2 + id.length + session.length)
                .put((byte) id.length)
                .put(id)
                .put((byte) session.length)
                .put(session)
                .array();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = cipher(Cipher.ENCRYPT_MODE, handle, name, nonce).doFinal(plain);
        return ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                .put(nonce)
                .put(sealed)
                .array();
    }

    private Route open(String handle, String name, byte[] sealed) throws GeneralSecurityException {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8 + 2) throw new AEADBadTagException("sealed route too short");
        byte[] nonce = Arrays.copyOf(sealed, NONCE_BYTES);
        byte[] plain = cipher(Cipher.DECRYPT_MODE, handle, name, nonce)
                .doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        int idLength = plain[0] & 0xff;
        if (plain.length < 2 + idLength || plain.length != 2 + idLength + (plain[1 + idLength] & 0xff)) {
            throw new IllegalArgumentException("malformed sealed route");
        }
        return new Route(
                new String(plain, 1, idLength, StandardCharsets.UTF_8),
                new String(plain, 2 + idLength, plain.length - 2 - idLength, StandardCharsets.UTF_8));
    }
}
