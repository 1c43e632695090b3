package dev.cloister.operator.gateway;

import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.ByteArrayOutputStream;

/**
 * A target whose answers can stream: the status and headers first, then the content as it is produced (tokens from
 * the enclave). The gateway sends such an answer as an indeterminate-length Binary HTTP response inside chunked OHTTP,
 * one OHTTP chunk per content piece; to a plain OHTTP request it sends the collected answer.
 */
public interface StreamingTarget extends Target {

    /**
     * An answer: either streamed ({@code content} ends when the answer is complete and fails when it is cut short) or
     * already whole ({@code content} null, {@code whole} the bytes).
     */
    // byte[] whole: a response body handed as is to the encapsulation, once per request (no copy)
    record StreamedResponse(
            int status, FieldSection headers, ReadStream<Buffer> content, byte[] whole, long maxContent) {

        public static StreamedResponse streaming(
                int status, FieldSection headers, ReadStream<Buffer> content, long maxContent) {
            return new StreamedResponse(status, headers, content, null, maxContent);
        }

        public static StreamedResponse whole(BinaryResponse response) {
            return new StreamedResponse(
                    response.status(), response.headers(), null, response.content(), response.content().length);
        }
    }

    Future<StreamedResponse> stream(BinaryRequest request);

    /** The collected answer, for plain OHTTP; a content stream longer than {@code maxContent} fails it. */
    @Override
    default Future<BinaryResponse> handle(BinaryRequest request) {
        return stream(request).compose(StreamingTarget::collect);
    }

    /** The whole answer of a streamed response; a content stream longer than {@code maxContent} fails it. */
    static Future<BinaryResponse> collect(StreamedResponse streamed) {
        if (streamed.content() == null) {
            return Future.succeededFuture(BinaryResponse.of(streamed.status(), streamed.headers(), streamed.whole()));
        }
        Promise<BinaryResponse> done = Promise.promise();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        streamed.content().handler(piece -> {
            if (body.size() + (long) piece.length() > streamed.maxContent()) {
                streamed.content().handler(null);
                done.tryFail(new IllegalStateException("streamed answer exceeds " + streamed.maxContent() + " bytes"));
                return;
            }
            body.writeBytes(piece.getBytes());
        });
        streamed.content().exceptionHandler(done::tryFail);
        streamed.content()
                .endHandler(v ->
                        done.tryComplete(BinaryResponse.of(streamed.status(), streamed.headers(), body.toByteArray())));
        return done.future();
    }
}
