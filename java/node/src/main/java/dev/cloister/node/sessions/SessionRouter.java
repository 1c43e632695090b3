package dev.cloister.node.sessions;

import dev.cloister.node.gateway.Target;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
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
 */
public final class SessionRouter implements Target {

    public static final String NEXT_HANDLE = "cloister-session";
    public static final String MEDIA_TYPE = "application/cloister-tls";
    /** The most TLS bytes one step may carry in either direction. */
    public static final int MAX_STEP_BYTES = 1 << 20;

    private static final Pattern HANDLE = Pattern.compile("[A-Za-z0-9_-]{22}");

    private final EnclavePool pool;
    private final SessionHandles handles;
    private final WebClient web;
    private final Duration enclaveTimeout;
    private final Target open;
    private final Counter opened;
    private final Counter forwarded;
    private final Counter enclaveFailures;

    /**
     * @param tokenGate wraps the session-opening step (e.g. a {@code TokenGate}); {@code UnaryOperator.identity()}
     *                  opens sessions without tokens (tests and the demo's token-free mode only)
     */
    public SessionRouter(EnclavePool pool, SessionHandles handles, WebClient web, Duration enclaveTimeout,
            UnaryOperator<Target> tokenGate, MeterRegistry registry) {
        this.pool = pool;
        this.handles = handles;
        this.web = web;
        this.enclaveTimeout = enclaveTimeout;
        this.open = tokenGate.apply(this::open);
        this.opened = Counter.builder("cloister.gateway.sessions.opened").register(registry);
        this.forwarded = Counter.builder("cloister.gateway.sessions.steps").register(registry);
        this.enclaveFailures = Counter.builder("cloister.gateway.sessions.enclave.failures").register(registry);
    }

    @Override
    public Future<BinaryResponse> handle(BinaryRequest request) {
        String path = request.path();
        if (path.equals("/v1/sessions")) {
            return request.method().equals("POST") ? open.handle(request) : Future.succeededFuture(problem(405, "method not allowed"));
        }
        if (path.startsWith("/v1/sessions/")) {
            String handle = path.substring("/v1/sessions/".length());
            if (!HANDLE.matcher(handle).matches()) {
                return Future.succeededFuture(problem(404, "unknown session"));
            }
            return switch (request.method()) {
                case "POST" -> step(handle, request.content());
                case "DELETE" -> end(handle);
                default -> Future.succeededFuture(problem(405, "method not allowed"));
            };
        }
        return Future.succeededFuture(problem(404, "not found"));
    }

    private Future<BinaryResponse> open(BinaryRequest request) {
        Optional<EnclavePool.Member> member = pool.pick();
        if (member.isEmpty()) {
            return Future.succeededFuture(retryable("no attested enclave is available"));
        }
        opened.increment();
        SessionHandles.Route route = new SessionHandles.Route(member.get().id(), handles.randomId());
        return forward(member.get(), route, request.content());
    }

    private Future<BinaryResponse> step(String handle, byte[] tls) {
        Optional<SessionHandles.Route> route = handles.take(handle);
        if (route.isEmpty()) {
            return Future.succeededFuture(problem(404, "unknown, used or expired session handle"));
        }
        Optional<EnclavePool.Member> member = pool.member(route.get().enclaveId());
        if (member.isEmpty()) {
            return Future.succeededFuture(retryable("the session's enclave is gone"));
        }
        return forward(member.get(), route.get(), tls);
    }

    private Future<BinaryResponse> end(String handle) {
        Optional<SessionHandles.Route> route = handles.take(handle);
        if (route.isEmpty()) {
            return Future.succeededFuture(problem(404, "unknown, used or expired session handle"));
        }
        Optional<EnclavePool.Member> member = pool.member(route.get().enclaveId());
        if (member.isEmpty()) {
            return Future.succeededFuture(BinaryResponse.of(204, FieldSection.EMPTY, new byte[0]));
        }
        return web.deleteAbs(member.get().sessions().resolve(route.get().enclaveSession()).toString())
                .timeout(enclaveTimeout.toMillis()).send()
                .map(r -> BinaryResponse.of(204, FieldSection.EMPTY, new byte[0]))
                .recover(e -> Future.succeededFuture(BinaryResponse.of(204, FieldSection.EMPTY, new byte[0])));
    }

    private Future<BinaryResponse> forward(EnclavePool.Member member, SessionHandles.Route route, byte[] tls) {
        if (tls.length == 0 || tls.length > MAX_STEP_BYTES) {
            return Future.succeededFuture(problem(400, "a session step carries 1 to " + MAX_STEP_BYTES + " TLS bytes"));
        }
        forwarded.increment();
        return web.postAbs(member.sessions().resolve(route.enclaveSession()).toString())
                .timeout(enclaveTimeout.toMillis())
                .putHeader("content-type", MEDIA_TYPE)
                .sendBuffer(Buffer.buffer(tls))
                .map((HttpResponse<Buffer> answer) -> {
                    int status = answer.statusCode();
                    byte[] body = answer.body() == null ? new byte[0] : answer.body().getBytes();
                    if (status == 404 || status == 410) {
                        return retryable("the enclave no longer holds this session");
                    }
                    if (status != 200 || body.length > MAX_STEP_BYTES) {
                        enclaveFailures.increment();
                        return retryable("the enclave failed this session");
                    }
                    String closed = answer.getHeader("cloister-session-closed");
                    if (closed != null) {
                        return BinaryResponse.of(200, FieldSection.of("content-type", MEDIA_TYPE), body);
                    }
                    Optional<String> next = handles.mint(route);
                    if (next.isEmpty()) {
                        return retryable("too many open sessions");
                    }
                    return BinaryResponse.of(200, FieldSection.of("content-type", MEDIA_TYPE, NEXT_HANDLE, next.get()), body);
                })
                .recover(e -> {
                    // Unreachable or too slow: stop routing new sessions to it until it registers again.
                    enclaveFailures.increment();
                    pool.remove(member.id());
                    return Future.succeededFuture(retryable("the enclave did not answer"));
                });
    }

    private static BinaryResponse retryable(String detail) {
        return problemWith(503, detail, FieldSection.of("content-type", "application/problem+json", "retry-after", "1"));
    }

    static BinaryResponse problem(int status, String detail) {
        return problemWith(status, detail, FieldSection.of("content-type", "application/problem+json"));
    }

    private static BinaryResponse problemWith(int status, String detail, FieldSection headers) {
        byte[] body = new JsonObject().put("type", "about:blank").put("status", status).put("detail", detail)
                .encode().getBytes(StandardCharsets.UTF_8);
        return BinaryResponse.of(status, headers, body);
    }
}
