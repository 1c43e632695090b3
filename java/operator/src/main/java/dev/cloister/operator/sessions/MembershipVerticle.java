package dev.cloister.operator.sessions;

import dev.cloister.protocol.membership.MemberAnnouncement;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * The gateway's internal membership endpoint (on its own listener, for the operator's private network): enclaves
 * {@code POST} their {@link MemberAnnouncement} to {@value MemberAnnouncement#PATH} to register and, repeated, to
 * heartbeat. Answers: 204 admitted (attested, and recorded for every replica); 401 not authenticated by the shared
 * secret, or stale ({@code at} too far from this clock: a replay); 400 not an announcement; 403 its evidence did not
 * verify (it is routed to by no replica); 502 it could not be reached to be attested; 503 with {@code Retry-After}
 * when Redis did not confirm the record. The authentication is checked before the body is parsed.
 */
public final class MembershipVerticle extends VerticleBase {

    static final Problem UNAUTHENTICATED = new Problem(401, "about:blank", "announcement not authenticated");
    static final Problem STALE = new Problem(401, "about:blank", "announcement too old or too new");
    static final Problem MALFORMED = new Problem(400, "about:blank", "not an enclave announcement");
    static final Problem ATTESTATION_FAILED = new Problem(403, "about:blank", "enclave attestation failed");
    static final Problem UNREACHABLE = new Problem(502, "about:blank", "enclave unreachable for attestation");
    static final Problem STORE_UNAVAILABLE = new Problem(503, "about:blank", "membership store unavailable");

    private final ListenAddress listen;
    private final SecretKey secret;
    private final EnclaveMembership membership;
    private final Clock clock;
    private HttpServer server;

    public MembershipVerticle(ListenAddress listen, SecretKey secret, EnclaveMembership membership, Clock clock) {
        this.listen = Objects.requireNonNull(listen);
        this.secret = Objects.requireNonNull(secret);
        this.membership = Objects.requireNonNull(membership);
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer()
                .requestHandler(this::handle)
                .listen(listen.port(), listen.host())
                .onSuccess(s -> server = s);
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest request) {
        if (!MemberAnnouncement.PATH.equals(request.path())) {
            Problem.NOT_FOUND.sendAndClose(request);
            return;
        }
        if (request.method() != HttpMethod.POST) {
            Problem.METHOD_NOT_ALLOWED.sendAndClose(request);
            return;
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        BoundedBody.read(request, MemberAnnouncement.MAX_BYTES)
                .onFailure(
                        e -> (e instanceof BoundedBody.TooLarge ? Problem.TOO_LARGE : MALFORMED).sendAndClose(request))
                .onSuccess(body -> {
                    byte[] bytes = body.getBytes();
                    if (!MemberAnnouncement.isAuthentic(secret, bytes, authorization)) {
                        UNAUTHENTICATED.send(request.response());
                        return;
                    }
                    MemberAnnouncement announcement;
                    try {
                        announcement = MemberAnnouncement.parse(bytes);
                    } catch (MemberAnnouncement.Malformed e) {
                        MALFORMED.send(request.response());
                        return;
                    }
                    if (!announcement.isFresh(clock.instant())) {
                        STALE.send(request.response());
                        return;
                    }
                    membership.announce(announcement).onComplete(outcome -> {
                        if (outcome.failed()) {
                            Problem.INTERNAL.send(request.response());
                            return;
                        }
                        switch (outcome.result()) {
                            case ADMITTED ->
                                request.response().setStatusCode(204).end();
                            case ATTESTATION_FAILED -> ATTESTATION_FAILED.send(request.response());
                            case UNREACHABLE -> UNREACHABLE.send(request.response());
                            case STORE_UNAVAILABLE -> {
                                request.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
                                STORE_UNAVAILABLE.send(request.response());
                            }
                        }
                    });
                });
    }
}
