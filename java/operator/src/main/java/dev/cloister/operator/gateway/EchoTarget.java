package dev.cloister.operator.gateway;

import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.vertx.core.Future;

/**
 * The interop target behind {@code cloister gateway --echo}: answers 200 with the request's content (and its
 * content-type), and {@code /status/NNN} with status NNN and no content.
 */
public final class EchoTarget implements Target {

    private static final String STATUS_PREFIX = "/status/";

    @Override
    public Future<BinaryResponse> handle(BinaryRequest request) {
        String path = request.path();
        if (path.startsWith(STATUS_PREFIX)) {
            int status = parseStatus(path.substring(STATUS_PREFIX.length()));
            if (status < 0) {
                return Future.succeededFuture(BinaryResponse.of(400, FieldSection.EMPTY, new byte[0]));
            }
            return Future.succeededFuture(BinaryResponse.of(status, FieldSection.EMPTY, new byte[0]));
        }
        FieldSection headers = request.headers()
                .first("content-type")
                .map(type -> FieldSection.of("content-type", type))
                .orElse(FieldSection.EMPTY);
        return Future.succeededFuture(BinaryResponse.of(200, headers, request.content()));
    }

    private static int parseStatus(String text) {
        if (text.length() != 3) return -1;
        int status = 0;
        for (int i = 0; i < 3; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return -1;
            status = status * 10 + (c - '0');
        }
        return status >= 200 && status <= 599 ? status : -1;
    }
}
