package dev.cloister.operator.sessions;

import dev.cloister.operator.gateway.StreamingTarget;
import dev.cloister.operator.gateway.Target;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.SessionPaths;
import dev.cloister.protocol.membership.GatewayAuthorization;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The gateway's session API, the inner (decapsulated) requests of the private session (DESIGN.md, steps 5-8):
 * <ul>
 *   <li>{@code POST /v1/sessions}: admitted only through the token gate (a Privacy Pass token is spent); picks an
 *       attested enclave uniformly at random, opens a session there and forwards the TLS bytes of the body;</li>
 *   <li>{@code POST /v1/sessions/{handle}}: forwards the next TLS bytes of that session to the same enclave;</li>
 *   <li>{@code DELETE /v1/sessions/{handle}}: ends the session (the enclave wipes it).</li>
 * </ul>
 * Each answer carries the TLS bytes of the enclave and, in {@value #NEXT_HANDLE}, the next single-use handle. The
 * gateway sees only TLS records; the enclave sees neither the client's address nor its token. Failures are RFC 9457
 * problems inside the encapsulation; those a fresh session can fix (no enclave, enclave gone) are 503 with
 * {@code Retry-After}.
 *
 * <p>An enclave the gateway cannot connect to leaves this replica's pool at once (until it registers or passes a
 * recheck again). When that happens on the first step, nothing reached it, so the session is opened on another member
 * chosen the same way, up to {@value #OPEN_ATTEMPTS} members in all: a member that died since the last membership read
 * costs no new session. A failure after the bytes may have reached the enclave is never retried elsewhere.
 */
public final class SessionRouter implements StreamingTarget {

    public static final String NEXT_HANDLE = "session";
    public static final String MEDIA_TYPE = MediaTypes.CLOISTER_TLS;
    /** The most TLS bytes one step may carry towards the enclave. */
    public static final int MAX_STEP_BYTES = 1 << 20;
    /** The most TLS bytes one step's answer may stream back. */
    public static final long MAX_STREAM_BYTES = 16L << 20;

    /** The most members one session's first step is offered to, when those before could not be connected to. */
    static final int OPEN_ATTEMPTS = 3;

    private static final Pattern HANDLE = Pattern.compile("[A-Za-z0-9_-]{22}");

    private final EnclavePool pool;
    private final SessionHandles handles;
    private final WebClient web;
    private final HttpClient http;
    private final Duration enclaveTimeout;
    private final Optional<GatewayAuthorization> enclaveCredential;
    private final Function<String, Future<Optional<EnclavePool.Member>>> unknownMember;
    private final Target open;
    private final Counter opened;
    private final Counter forwarded;
    private final Counter enclaveFailures;

    /**
     * @param tokenGate wraps the session-opening step (e.g. a {@code TokenGate}); {@code UnaryOperator.identity()}
     *                  opens sessions without tokens (tests and the demo's token-free mode only)
     * @param enclaveCredential the credential sent with every request to an enclave's session endpoint (enclaves
     *                          started with {@code --gateway-secret-file} require it), or empty
     * @param unknownMember for a step routed to a member this replica's pool does not hold: the member, once this
     *                      replica has attested it, or empty (see {@link EnclaveMembership#admitUnknown})
     */
    public SessionRouter(
            EnclavePool pool,
            SessionHandles handles,
            WebClient web,
            HttpClient http,
            Duration enclaveTimeout,
            Optional<GatewayAuthorization> enclaveCredential,
            UnaryOperator<Target> tokenGate,
            Function<String, Future<Optional<EnclavePool.Member>>> unknownMember,
            MeterRegistry registry) {
        this.unknownMember = java.util.Objects.requireNonNull(unknownMember, "unknownMember");
        this.pool = pool;
        this.handles = handles;
        this.web = web;
        this.http = http;
        this.enclaveTimeout = enclaveTimeout;
        this.enclaveCredential = java.util.Objects.requireNonNull(enclaveCredential, "enclaveCredential");
        this.open = tokenGate.apply(this::open);
        this.opened = Counter.builder("cloister.gateway.sessions.opened").register(registry);
        this.forwarded = Counter.builder("cloister.gateway.sessions.steps").register(registry);
        this.enclaveFailures =
                Counter.builder("cloister.gateway.sessions.enclave.failures").register(registry);
    }

    @Override
    public Future<StreamedResponse> stream(BinaryRequest request) {
        String path = request.path();
        if (path.equals(SessionPaths.OPEN)) {
            return (request.method().equals("POST")
                            ? open.handle(request)
                            : Future.succeededFuture(problem(405, "method not allowed")))
                    .map(StreamedResponse::whole);
        }
        if (path.startsWith(SessionPaths.STEP_PREFIX)) {
            String handle = path.substring(SessionPaths.STEP_PREFIX.length());
            if (!HANDLE.matcher(handle).matches()) {
                return whole(problem(404, "unknown session"));
            }
            return switch (request.method()) {
                case "POST" -> step(handle, request.content());
                case "DELETE" -> end(handle).map(StreamedResponse::whole);
                default -> whole(problem(405, "method not allowed"));
            };
        }
        return whole(problem(404, "not found"));
    }

    private static Future<StreamedResponse> whole(BinaryResponse response) {
        return Future.succeededFuture(StreamedResponse.whole(response));
    }

    /** The first step: the handshake's first flight, answered whole (no application data flows yet). */
    private Future<BinaryResponse> open(BinaryRequest request) {
        return open(request.content(), OPEN_ATTEMPTS);
    }

    private Future<BinaryResponse> open(byte[] tls, int attempts) {
        Optional<EnclavePool.Member> member = pool.pick();
        if (member.isEmpty()) {
            return Future.succeededFuture(retryable("no attested enclave is available"));
        }
        if (attempts == OPEN_ATTEMPTS) opened.increment();
        SessionHandles.Route route = new SessionHandles.Route(member.get().id(), handles.randomId());
        return forward(member.get(), route, tls, attempts > 1)
                .compose(StreamingTarget::collect)
                // DESIGN.md step 4: the session is created (201) and named by its first handle.
                .map(answer -> answer.status() == 200
                                && answer.headers().first(NEXT_HANDLE).isPresent()
                        ? BinaryResponse.of(201, answer.headers(), answer.content())
                        : answer)
                .recover(e -> e instanceof NotConnected ? open(tls, attempts - 1) : Future.failedFuture(e));
    }

    private Future<StreamedResponse> step(String handle, byte[] tls) {
        return handles.take(handle).transform(taken -> {
            if (taken.failed()) return whole(storeUnavailable());
            Optional<SessionHandles.Route> route = taken.result();
            if (route.isEmpty()) {
                return whole(problem(404, "unknown, used or expired session handle"));
            }
            Optional<EnclavePool.Member> member = pool.member(route.get().enclaveId());
            if (member.isPresent()) return forward(member.get(), route.get(), tls, false);
            // Opened through a replica that admitted the member before this one did (it joined since this replica
            // last read the members), or gone.
            return unknownMember
                    .apply(route.get().enclaveId())
                    .compose(admitted -> admitted.isPresent()
                            ? forward(admitted.get(), route.get(), tls, false)
                            : whole(retryable("the session's enclave is gone")));
        });
    }

    private Future<BinaryResponse> end(String handle) {
        return handles.take(handle).transform(taken -> {
            if (taken.failed()) return Future.succeededFuture(storeUnavailable());
            Optional<SessionHandles.Route> route = taken.result();
            if (route.isEmpty()) {
                return Future.succeededFuture(problem(404, "unknown, used or expired session handle"));
            }
            return end(route.get());
        });
    }

    private Future<BinaryResponse> end(SessionHandles.Route route) {
        Optional<EnclavePool.Member> member = pool.member(route.enclaveId());
        if (member.isEmpty()) {
            return Future.succeededFuture(BinaryResponse.of(204, FieldSection.EMPTY, new byte[0]));
        }
        java.net.URI session = member.get().sessions().resolve(route.enclaveSession());
        var delete = web.deleteAbs(session.toString()).timeout(enclaveTimeout.toMillis());
        enclaveCredential.ifPresent(c -> delete.putHeader("authorization", c.header("DELETE", session.getRawPath())));
        return delete.send()
                .map(r -> BinaryResponse.of(204, FieldSection.EMPTY, new byte[0]))
                .recover(e -> Future.succeededFuture(BinaryResponse.of(204, FieldSection.EMPTY, new byte[0])));
    }

    /**
     * Sends the TLS bytes to the enclave's session endpoint; its answer streams back (TLS records as the enclave writes
     * them). The next handle of the chain is minted before the bytes leave (a store that cannot mint one refuses the
     * step before the enclave sees it) and handed out when the enclave's answer starts.
     *
     * @param elsewhere whether a connection that cannot be made fails with {@link NotConnected} (the caller offers the
     *                  step to another member) rather than answering 503
     */
    private Future<StreamedResponse> forward(
            EnclavePool.Member member, SessionHandles.Route route, byte[] tls, boolean elsewhere) {
        if (tls.length == 0 || tls.length > MAX_STEP_BYTES) {
            return whole(problem(400, "a session step carries 1 to " + MAX_STEP_BYTES + " TLS bytes"));
        }
        return handles.mint(route).transform(minted -> {
            if (minted.failed()) return whole(storeUnavailable());
            if (minted.result().isEmpty()) return whole(retryable("too many open sessions"));
            return forward(member, route, tls, minted.result().get(), elsewhere);
        });
    }

    private Future<StreamedResponse> forward(
            EnclavePool.Member member, SessionHandles.Route route, byte[] tls, String next, boolean elsewhere) {
        forwarded.increment();
        java.net.URI session = member.sessions().resolve(route.enclaveSession());
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(session.toString())
                .setConnectTimeout(enclaveTimeout.toMillis())
                .setIdleTimeout(enclaveTimeout.toMillis())
                .putHeader("content-type", MEDIA_TYPE);
        enclaveCredential.ifPresent(c -> options.putHeader("authorization", c.header("POST", session.getRawPath())));
        return http.request(options)
                // No connection: not one byte of this step left the gateway.
                .recover(e -> Future.failedFuture(new NotConnected(e)))
                .compose(request -> request.send(Buffer.buffer(tls)))
                .compose(
                        answer -> {
                            int status = answer.statusCode();
                            if (status != 200) {
                                revoke(next);
                                answer.handler(null);
                                answer.resume();
                                if (status == 404 || status == 410) {
                                    return whole(retryable("the enclave no longer holds this session"));
                                }
                                enclaveFailures.increment();
                                return whole(retryable("the enclave failed this session"));
                            }
                            if (answer.getHeader("cloister-session-closed") != null) {
                                revoke(next);
                                return Future.succeededFuture(StreamedResponse.streaming(
                                        200, FieldSection.of("content-type", MEDIA_TYPE), answer, MAX_STREAM_BYTES));
                            }
                            return Future.succeededFuture(StreamedResponse.streaming(
                                    200,
                                    FieldSection.of("content-type", MEDIA_TYPE, NEXT_HANDLE, next),
                                    answer,
                                    MAX_STREAM_BYTES));
                        },
                        failure -> {
                            // Unreachable or too slow: stop routing new sessions to it until it registers again.
                            revoke(next);
                            enclaveFailures.increment();
                            pool.remove(member.id());
                            if (elsewhere && failure instanceof NotConnected) return Future.failedFuture(failure);
                            return whole(retryable("the enclave did not answer"));
                        });
    }

    /** No connection to the enclave could be made: the step's bytes never left the gateway. */
    private static final class NotConnected extends Exception {
        private static final long serialVersionUID = 1L;

        NotConnected(Throwable cause) {
            super("no connection to the enclave", cause, false, false);
        }
    }

    /** A minted handle the client will never see (the session ended or failed): taken at once, best effort. */
    private void revoke(String handle) {
        handles.take(handle);
    }

    /** The handle store did not answer: nothing was forwarded; the client may retry (on this or another replica). */
    private static BinaryResponse storeUnavailable() {
        return retryable("the session store is unavailable");
    }

    private static BinaryResponse retryable(String detail) {
        return problemWith(
                503, detail, FieldSection.of("content-type", "application/problem+json", "retry-after", "1"));
    }

    static BinaryResponse problem(int status, String detail) {
        return problemWith(status, detail, FieldSection.of("content-type", "application/problem+json"));
    }

    private static BinaryResponse problemWith(int status, String detail, FieldSection headers) {
        byte[] body = new JsonObject()
                .put("type", "about:blank")
                .put("status", status)
                .put("detail", detail)
                .encode()
                .getBytes(StandardCharsets.UTF_8);
        return BinaryResponse.of(status, headers, body);
    }
}
