package dev.cloister.server;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/** Reads a request body up to a limit; a larger body fails with {@link TooLarge} as soon as it is seen to be larger. */
public final class BoundedBody {

    private BoundedBody() {}

    /** The body exceeded its limit. */
    public static final class TooLarge extends RuntimeException {
        public TooLarge(long limit) {
            super("body exceeds " + limit + " bytes", null, false, false);
        }
    }

    public static Future<Buffer> read(HttpServerRequest request, long limit) {
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared) > limit) {
                    return Future.failedFuture(new TooLarge(limit));
                }
            } catch (NumberFormatException e) {
                return Future.failedFuture(new TooLarge(limit));
            }
        }
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > limit) {
                request.handler(null);
                promise.tryFail(new TooLarge(limit));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(promise::tryFail);
        request.endHandler(v -> promise.tryComplete(body));
        return promise.future();
    }

    /** The media type of a Content-Type value, without parameters, lower-cased; empty if absent. */
    public static String mediaType(String contentType) {
        if (contentType == null) return "";
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .trim()
                .toLowerCase(java.util.Locale.ROOT);
    }
}
