package dev.cloister.enclave;

import dev.cloister.protocol.membership.MemberAnnouncement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this enclave in the operator's pool: announces it ({@link MemberAnnouncement}: its id and where its session
 * endpoint is) to a gateway's internal membership endpoint now and every {@code every}, well within the gateway's TTL.
 * The gateway attests the enclave itself before it routes anything to it; an announcement only says where to look.
 * The log says what the gateway answered, once per change (admitted, refused with its status, unreachable).
 */
public final class PoolMembership {

    private static final Logger LOG = LoggerFactory.getLogger(PoolMembership.class);
    private static final long ANSWER_TIMEOUT_MILLIS = 15_000;

    private final Vertx vertx;
    private final WebClient web;
    private final URI endpoint;
    private final SecretKey secret;
    private final String id;
    private final URI sessions;
    private final Duration every;
    private final Clock clock;
    private volatile int lastStatus = -2;
    private long timer = -1;

    /**
     * @param gateway the gateway's membership listener (base URL; {@value MemberAnnouncement#PATH} is resolved on it)
     * @param sessions where gateways reach this enclave's session endpoint ({@code .../sessions/})
     */
    public PoolMembership(
            Vertx vertx,
            WebClient web,
            URI gateway,
            SecretKey secret,
            String id,
            URI sessions,
            Duration every,
            Clock clock) {
        this.vertx = Objects.requireNonNull(vertx);
        this.web = Objects.requireNonNull(web);
        this.endpoint = gateway.resolve(MemberAnnouncement.PATH);
        this.secret = Objects.requireNonNull(secret);
        this.id = id;
        this.sessions = sessions;
        new MemberAnnouncement(id, sessions, clock.instant()); // checks the id and the URL now
        if (every.isNegative() || every.isZero()) throw new IllegalArgumentException("every must be positive");
        this.every = every;
        this.clock = Objects.requireNonNull(clock);
    }

    /** Announces now and then every {@code every}; the future ends with the first answer (its HTTP status). */
    public Future<Integer> start() {
        timer = vertx.setPeriodic(every.toMillis(), t -> announce());
        return announce();
    }

    public void stop() {
        if (timer >= 0) vertx.cancelTimer(timer);
    }

    /** One announcement; the HTTP status the gateway answered (204: admitted), or -1 when it could not be reached. */
    public Future<Integer> announce() {
        byte[] body = new MemberAnnouncement(id, sessions, clock.instant()).encode();
        return web.postAbs(endpoint.toString())
                // the gateway attests this enclave before it answers a first announcement: allow it the time
                .timeout(Math.max(every.toMillis(), ANSWER_TIMEOUT_MILLIS))
                .putHeader("content-type", "application/json")
                .putHeader("authorization", MemberAnnouncement.authorization(secret, body))
                .sendBuffer(Buffer.buffer(body))
                .map(r -> r.statusCode())
                .otherwise(-1)
                .onSuccess(this::report);
    }

    private void report(int status) {
        if (status == lastStatus) return;
        lastStatus = status;
        switch (status) {
            case 204 -> LOG.info("registered with the gateway's pool");
            case -1 -> LOG.warn("the gateway's membership endpoint is unreachable; retrying every {}", every);
            case 403 -> LOG.warn("the gateway refused this enclave: its attestation failed");
            default -> LOG.warn("the gateway did not register this enclave: HTTP status {}", status);
        }
    }
}
