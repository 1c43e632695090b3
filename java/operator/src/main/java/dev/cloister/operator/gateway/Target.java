package dev.cloister.operator.gateway;

import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import io.vertx.core.Future;

/**
 * Where the gateway sends a decapsulated request (RFC 9458 §2: the target resource). Implementations must not block
 * the event loop they are called on.
 */
@FunctionalInterface
public interface Target {
    Future<BinaryResponse> handle(BinaryRequest request);
}
