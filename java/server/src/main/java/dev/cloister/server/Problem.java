package dev.cloister.server;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * An RFC 9457 problem detail: the answer to every request a Cloister server refuses. The detail is a fixed sentence
 * per kind of failure, never derived from request content.
 */
public record Problem(int status, String type, String title) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** How long a refused connection stays open after its answer, so the client can read it. */
    static final long LINGER_MILLIS = 500;

    /** RFC 9458 §5.2: the key configuration the client used is not (or no longer) acceptable. */
    public static final Problem OHTTP_KEY =
            new Problem(400, "https://iana.org/assignments/http-problem-types#ohttp-key", "key identifier unknown");

    public static final Problem MALFORMED = new Problem(400, "about:blank", "malformed encapsulated message");
    public static final Problem DECRYPTION_FAILED =
            new Problem(400, "about:blank", "encapsulated message did not decrypt");
    public static final Problem TRUNCATED =
            new Problem(400, "about:blank", "chunked message ended without its final chunk");
    public static final Problem NOT_FOUND = new Problem(404, "about:blank", "not found");
    public static final Problem METHOD_NOT_ALLOWED = new Problem(405, "about:blank", "method not allowed");
    public static final Problem REQUEST_TIMEOUT = new Problem(408, "about:blank", "request not received in time");
    public static final Problem TOO_LARGE = new Problem(413, "about:blank", "content too large");
    public static final Problem UNSUPPORTED_MEDIA_TYPE = new Problem(415, "about:blank", "unsupported media type");
    public static final Problem TOO_MANY_REQUESTS = new Problem(429, "about:blank", "too many requests");
    public static final Problem INTERNAL = new Problem(500, "about:blank", "internal error");
    public static final Problem BAD_GATEWAY = new Problem(502, "about:blank", "gateway unreachable");
    public static final Problem UNAVAILABLE = new Problem(503, "about:blank", "service unavailable");
    public static final Problem GATEWAY_TIMEOUT = new Problem(504, "about:blank", "gateway did not answer in time");

    public Problem {
        Objects.requireNonNull(type);
        Objects.requireNonNull(title);
    }

    public JsonObject toJson() {
        return new JsonObject().put("type", type).put("title", title).put("status", status);
    }

    /**
     * Sends this problem and then closes the connection: for a request whose body is not (or no longer) wanted, so
     * that an oversized or dripping body cannot keep the connection, however much of it is still to come.
     */
    public Future<Void> sendAndClose(io.vertx.core.http.HttpServerRequest request) {
        HttpServerResponse response = request.response();
        if (response.ended() || response.headWritten()) {
            request.connection().close();
            return Future.succeededFuture();
        }
        response.putHeader(HttpHeaders.CONNECTION, "close");
        // Close a moment after the answer is written: long enough for a client that is still sending to read it,
        // short enough that a dripping or oversized body cannot hold the connection.
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        return send(response).onComplete(v -> {
            if (context == null) {
                request.connection().close();
            } else {
                context.owner()
                        .setTimer(LINGER_MILLIS, id -> request.connection().close());
            }
        });
    }

    /** Sends this problem as the response, unless one was already sent. */
    public Future<Void> send(HttpServerResponse response) {
        if (response.ended() || response.headWritten()) {
            return Future.succeededFuture();
        }
        return response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, MEDIA_TYPE)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(toJson().toBuffer());
    }
}
