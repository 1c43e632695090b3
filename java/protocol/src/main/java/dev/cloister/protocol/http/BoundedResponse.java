package dev.cloister.protocol.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.codec.BodyCodec;

/**
 * A response whose body was read into memory up to a limit. The client talks to servers it does not trust (key
 * directory, issuer, relay); a body larger than the limit fails the request with {@link TooLarge} as soon as it is seen
 * to be larger, instead of growing the heap until the server stops.
 */
public record BoundedResponse(HttpResponse<Void> response, Buffer body) {

    /** The body exceeded its limit. */
    public static final class TooLarge extends RuntimeException {
        TooLarge(long limit) {
            super("the response body exceeds " + limit + " bytes", null, false, false);
        }
    }

    public int statusCode() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.getHeader(name);
    }

    /** Sends {@code request} (with {@code body} when not null) and reads at most {@code limit} bytes of the answer. */
    public static Future<BoundedResponse> send(HttpRequest<Buffer> request, Buffer body, long limit) {
        Sink sink = new Sink(limit);
        HttpRequest<Void> bounded = request.as(BodyCodec.pipe(sink, false));
        Future<HttpResponse<Void>> sent = body == null ? bounded.send() : bounded.sendBuffer(body);
        return sent.transform(result -> {
            if (sink.exceeded) {
                return Future.failedFuture(new TooLarge(limit));
            }
            if (result.failed()) {
                return Future.failedFuture(result.cause());
            }
            return Future.succeededFuture(new BoundedResponse(result.result(), sink.body));
        });
    }

    /** Collects up to the limit; a write past it fails, which fails the pipe and so the request. */
    private static final class Sink implements WriteStream<Buffer> {
        private final long limit;
        private final Buffer body = Buffer.buffer();
        private boolean exceeded;

        Sink(long limit) {
            this.limit = limit;
        }

        @Override
        public Future<Void> write(Buffer data) {
            if (exceeded || (long) body.length() + data.length() > limit) {
                exceeded = true;
                return Future.failedFuture(new TooLarge(limit));
            }
            body.appendBuffer(data);
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> end() {
            return exceeded ? Future.failedFuture(new TooLarge(limit)) : Future.succeededFuture();
        }

        @Override
        public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
            return this;
        }

        @Override
        public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            return false;
        }

        @Override
        public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
            return this;
        }
    }
}
