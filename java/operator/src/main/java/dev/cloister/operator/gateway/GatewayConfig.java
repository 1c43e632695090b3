package dev.cloister.operator.gateway;

import dev.cloister.server.ListenAddress;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.ohttp.OhttpLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a gateway needs, parsed once at start.
 *
 * @param listen         where {@code GET /ohttp-keys} and {@code POST /gateway} are served
 * @param ohttpLimits    bounds on encapsulated messages and chunks
 * @param bhttpLimits    bounds on the inner Binary HTTP messages
 * @param requestTimeout how long a whole request may take, body and target included
 * @param keysMaxAge     the Cache-Control max-age of the key configuration list
 * @param responseChunk  the plaintext size of each chunk of a chunked response
 * @param decapsulation  where plain OHTTP requests are decapsulated
 */
public record GatewayConfig(
        ListenAddress listen,
        OhttpLimits ohttpLimits,
        BhttpLimits bhttpLimits,
        Duration requestTimeout,
        Duration keysMaxAge,
        int responseChunk,
        Decapsulation decapsulation) {

    /**
     * Where decapsulation runs. X25519 costs about a hundred microseconds and stays on the event loop; the JDK's
     * constant-time P-256 ECDH costs several times more, so a P-256 gateway decapsulates on worker threads.
     */
    public enum Decapsulation {
        EVENT_LOOP,
        WORKER
    }

    public GatewayConfig {
        Objects.requireNonNull(listen);
        Objects.requireNonNull(ohttpLimits);
        Objects.requireNonNull(bhttpLimits);
        Objects.requireNonNull(requestTimeout);
        Objects.requireNonNull(keysMaxAge);
        Objects.requireNonNull(decapsulation);
        if (responseChunk < 1 || responseChunk > ohttpLimits.maxChunkLength() - 64) {
            throw new IllegalArgumentException("response chunk size must fit a chunk");
        }
    }

    public static GatewayConfig defaults(ListenAddress listen) {
        return new GatewayConfig(
                listen,
                OhttpLimits.DEFAULT,
                new BhttpLimits(1 << 20, 64 << 10, 256, 1 << 20, 8),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                16 << 10,
                Decapsulation.EVENT_LOOP);
    }

    /** The same configuration with decapsulation at {@code where}. */
    public GatewayConfig withDecapsulation(Decapsulation where) {
        return new GatewayConfig(listen, ohttpLimits, bhttpLimits, requestTimeout, keysMaxAge, responseChunk, where);
    }
}
