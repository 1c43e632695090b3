package dev.cloister.operator.sessions;

import dev.cloister.protocol.membership.MemberAnnouncement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enclave membership shared by the gateway replicas through Redis. An enclave announces itself (and heartbeats) to any
 * replica; that replica attests it and only then writes {@code cloister:enclave:<id> = <session URL>} with an expiry of
 * {@code ttl - sync}. Every replica reads the members every {@code sync}, attests each new one itself (through its own
 * {@link EnclaveRegistration}) before routing to it, re-attests on the registration's schedule, and drops a member
 * whose key is gone, so a member that stops heart-beating leaves every replica's pool within {@code ttl}. A member whose
 * evidence fails on any replica is deleted from Redis at once, so it leaves every pool at the next read.
 *
 * <p>A replica that cannot read Redis for longer than {@code ttl} drops the members it learnt from Redis (it cannot
 * tell whether they still heart-beat). Enclaves given statically ({@code --enclave ID=URL}) are not touched.
 */
public final class EnclaveMembership {

    private static final Logger LOG = LoggerFactory.getLogger(EnclaveMembership.class);
    private static final String PREFIX = "cloister:enclave:";
    /** The most members read (a bound on what one read allocates). */
    static final int MAX_MEMBERS = 4096;

    /** What an announcement came to. */
    public enum Outcome {
        /** Attested (now or already) and written to Redis. */
        ADMITTED,
        /** Its evidence did not verify: not written, and removed if it was there. */
        ATTESTATION_FAILED,
        /** It could not be reached, or answered without a handshake. */
        UNREACHABLE,
        /** Redis did not confirm the write. */
        STORE_UNAVAILABLE
    }

    private final Vertx vertx;
    private final Redis redis;
    private final EnclaveRegistration registration;
    private final Duration ttl;
    private final Duration sync;
    private final Duration timeout;
    private final Clock clock;
    /** The members this replica learnt from Redis (or from an announcement), and where they are. */
    private final Map<String, URI> tracked = new ConcurrentHashMap<>();

    private volatile Instant lastRead;
    private volatile boolean readFailing;
    private long timer = -1;

    /**
     * @param ttl how long a member stays without a heartbeat (enclaves heartbeat well within it)
     * @param sync how often each replica reads the members; less than half of {@code ttl}
     * @param timeout how long Redis has to answer
     */
    public EnclaveMembership(
            Vertx vertx,
            Redis redis,
            EnclaveRegistration registration,
            Duration ttl,
            Duration sync,
            Duration timeout,
            Clock clock) {
        this.vertx = Objects.requireNonNull(vertx);
        this.redis = Objects.requireNonNull(redis);
        this.registration = Objects.requireNonNull(registration);
        if (sync.isNegative() || sync.isZero() || sync.multipliedBy(2).compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("the membership read period must be positive and under half the TTL");
        }
        this.ttl = ttl;
        this.sync = sync;
        this.timeout = Objects.requireNonNull(timeout);
        this.clock = Objects.requireNonNull(clock);
        this.lastRead = clock.instant();
        registration.onAttestationFailed(this::attestationFailed);
    }

    /** Reads the members now and then every {@code sync}; the returned future ends with the first read. */
    public Future<Void> start() {
        timer = vertx.setPeriodic(sync.toMillis(), t -> read());
        return read().otherwiseEmpty().mapEmpty();
    }

    public void stop() {
        if (timer >= 0) vertx.cancelTimer(timer);
    }

    /** The members this replica tracks from Redis (admitted to its pool or not). */
    public Map<String, URI> tracked() {
        return Map.copyOf(tracked);
    }

    /**
     * An enclave's registration or heartbeat: attested here first unless this replica already admitted it at the same
     * URL, then written to Redis (the expiry renewed).
     */
    public Future<Outcome> announce(MemberAnnouncement announcement) {
        String id = announcement.id();
        URI sessions = announcement.sessions();
        if (registration.isAdmitted(id, sessions)) {
            return write(id, sessions);
        }
        tracked.put(id, sessions);
        return registration.register(id, sessions).transform(attested -> {
            if (attested.succeeded()) return write(id, sessions);
            Outcome outcome =
                    EnclaveRegistration.findingOf(attested.cause()) == EnclaveRegistration.Finding.ATTESTATION_FAILED
                            ? Outcome.ATTESTATION_FAILED
                            : Outcome.UNREACHABLE;
            if (outcome == Outcome.UNREACHABLE) forget(id);
            // (an attestation failure was handled by the listener: deleted from Redis and forgotten)
            return Future.succeededFuture(outcome);
        });
    }

    /**
     * A member that a session step is routed to but this replica has not admitted. If this replica is attesting it, the
     * step waits for that; if it has never checked it (it joined through another replica since this one last read the
     * members), it is read from Redis and attested here now, before anything is forwarded to it. Otherwise (it failed
     * here, or was dropped) and whenever Redis or the attestation fails: empty.
     */
    public Future<Optional<EnclavePool.Member>> admitUnknown(String id) {
        Optional<Future<EnclavePool.Member>> running = registration.attesting(id);
        if (running.isPresent()) return running.get().map(Optional::of).otherwise(Optional.empty());
        if (registration.isRegistered(id)) return Future.succeededFuture(Optional.empty());
        return send(Request.cmd(Command.GET).arg(PREFIX + id))
                .compose(value -> {
                    if (value == null) return Future.succeededFuture(Optional.<EnclavePool.Member>empty());
                    URI sessions;
                    try {
                        sessions = MemberAnnouncement.checkSessions(new URI(value.toString()));
                        new MemberAnnouncement(id, sessions, Instant.EPOCH); // the id's rules
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        return Future.succeededFuture(Optional.<EnclavePool.Member>empty());
                    }
                    tracked.putIfAbsent(id, sessions);
                    if (!sessions.equals(tracked.get(id))) {
                        return Future.succeededFuture(Optional.<EnclavePool.Member>empty());
                    }
                    return registration.register(id, sessions).map(Optional::of);
                })
                .otherwise(Optional.empty());
    }

    private Future<Outcome> write(String id, URI sessions) {
        long expiry = ttl.minus(sync).toMillis();
        return send(Request.cmd(Command.SET)
                        .arg(PREFIX + id)
                        .arg(sessions.toString())
                        .arg("PX")
                        .arg(expiry))
                .map(reply ->
                        reply != null && "OK".equals(reply.toString()) ? Outcome.ADMITTED : Outcome.STORE_UNAVAILABLE)
                .otherwise(Outcome.STORE_UNAVAILABLE);
    }

    private void attestationFailed(String id) {
        if (tracked.containsKey(id)) {
            send(Request.cmd(Command.DEL).arg(PREFIX + id))
                    .onFailure(e -> LOG.warn("could not remove a member whose attestation failed from Redis"));
            forget(id);
        }
    }

    private void forget(String id) {
        tracked.remove(id);
        registration.deregister(id);
    }

    /** One read of every member: new ones are attested, changed ones attested again, gone ones dropped. */
    Future<Void> read() {
        return readMembers("0", new HashMap<>())
                .onSuccess(members -> {
                    lastRead = clock.instant();
                    if (readFailing) LOG.info("enclave membership readable again");
                    readFailing = false;
                    reconcile(members);
                })
                .onFailure(e -> {
                    if (!readFailing) LOG.warn("cannot read the enclave membership from Redis");
                    readFailing = true;
                    if (Duration.between(lastRead, clock.instant()).compareTo(ttl) > 0 && !tracked.isEmpty()) {
                        LOG.warn("no membership read for longer than the TTL: dropping {} members", tracked.size());
                        for (String id : List.copyOf(tracked.keySet())) forget(id);
                    }
                })
                .mapEmpty();
    }

    private void reconcile(Map<String, URI> members) {
        for (String id : List.copyOf(tracked.keySet())) {
            if (!members.containsKey(id)) {
                forget(id);
                LOG.warn(
                        "enclave left the pool: its registration expired or was withdrawn; {} tracked", tracked.size());
            }
        }
        members.forEach((id, sessions) -> {
            if (!sessions.equals(tracked.get(id))) {
                tracked.put(id, sessions);
                registration.register(id, sessions).onComplete(r -> {
                    // dropped from Redis while it was being attested: leave no member behind
                    if (!sessions.equals(tracked.get(id))) registration.deregister(id);
                });
            }
        });
    }

    /** SCAN (bounded) then MGET: every member and its session URL; entries that do not parse are skipped. */
    private Future<Map<String, URI>> readMembers(String cursor, Map<String, URI> into) {
        Request scan = Request.cmd(Command.SCAN)
                .arg(cursor)
                .arg("MATCH")
                .arg(PREFIX + "*")
                .arg("COUNT")
                .arg(256);
        return send(scan).compose(reply -> {
            if (reply == null || reply.size() != 2) return Future.failedFuture("unexpected SCAN reply");
            String next = reply.get(0).toString();
            List<String> keys = new ArrayList<>();
            for (Response key : reply.get(1)) keys.add(key.toString());
            Future<Void> got = keys.isEmpty() ? Future.succeededFuture() : fetch(keys, into);
            return got.compose(v -> {
                if ("0".equals(next) || into.size() >= MAX_MEMBERS) return Future.succeededFuture(into);
                return readMembers(next, into);
            });
        });
    }

    private Future<Void> fetch(List<String> keys, Map<String, URI> into) {
        Request mget = Request.cmd(Command.MGET);
        keys.forEach(mget::arg);
        return send(mget).compose(values -> {
            if (values == null || values.size() != keys.size()) return Future.failedFuture("unexpected MGET reply");
            for (int i = 0; i < keys.size() && into.size() < MAX_MEMBERS; i++) {
                Response value = values.get(i);
                if (value == null) continue; // expired between SCAN and MGET
                String id = keys.get(i).substring(PREFIX.length());
                try {
                    URI sessions = MemberAnnouncement.checkSessions(new URI(value.toString()));
                    new MemberAnnouncement(id, sessions, Instant.EPOCH); // the id's rules
                    into.put(id, sessions);
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not written by a gateway: never a member
                }
            }
            return Future.succeededFuture();
        });
    }

    private Future<Response> send(Request request) {
        Future<Response> reply;
        try {
            reply = redis.send(request);
        } catch (RuntimeException e) {
            reply = Future.failedFuture(e);
        }
        return reply.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
