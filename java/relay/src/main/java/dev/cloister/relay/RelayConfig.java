package dev.cloister.relay;

import dev.cloister.server.ListenAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a relay needs, parsed once at start.
 *
 * @param listen          where {@code POST /relay} is served
 * @param gateway         the one gateway URL requests are forwarded to
 * @param maxBodyBytes    the largest request or response body relayed
 * @param ratePerSecond   sustained requests per second allowed per client address
 * @param burst           requests a client address may send at once
 * @param connectTimeout  how long to wait for a connection to the gateway
 * @param requestTimeout  how long a whole exchange may take
 */
public record RelayConfig(
        ListenAddress listen,
        URI gateway,
        long maxBodyBytes,
        double ratePerSecond,
        int burst,
        Duration connectTimeout,
        Duration requestTimeout) {

    public RelayConfig {
        Objects.requireNonNull(listen);
        Objects.requireNonNull(gateway);
        if (!"http".equals(gateway.getScheme()) && !"https".equals(gateway.getScheme())) {
            throw new IllegalArgumentException("gateway URL must be http or https: " + gateway);
        }
        if (gateway.getHost() == null) {
            throw new IllegalArgumentException("gateway URL lacks a host: " + gateway);
        }
        if (maxBodyBytes < 1 || ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static RelayConfig defaults(ListenAddress listen, URI gateway) {
        return new RelayConfig(listen, gateway, 1 << 20, 100, 200, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }
}
