package dev.cloister.relay;

import dev.cloister.server.ListenAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything a relay needs, parsed once at start.
 *
 * @param listen          where {@code POST /relay} is served
 * @param gateways        the gateway replicas requests are spread over (the URL of the same gateway resource on each)
 * @param maxBodyBytes    the largest request or response body relayed
 * @param ratePerSecond   sustained requests per second allowed per client address
 * @param burst           requests a client address may send at once
 * @param connectTimeout  how long to wait for a connection to a gateway replica (and for a probe's answer)
 * @param requestTimeout  how long a whole exchange may take
 * @param probeInterval   how often each replica is probed ({@code HEAD} on its URL; any answer below 500 is healthy)
 */
public record RelayConfig(
        ListenAddress listen,
        List<URI> gateways,
        long maxBodyBytes,
        double ratePerSecond,
        int burst,
        Duration connectTimeout,
        Duration requestTimeout,
        Duration probeInterval) {

    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(5);

    public RelayConfig {
        Objects.requireNonNull(listen);
        gateways = List.copyOf(gateways);
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("at least one gateway URL is needed");
        }
        for (URI gateway : gateways) {
            if (!"http".equals(gateway.getScheme()) && !"https".equals(gateway.getScheme())) {
                throw new IllegalArgumentException("gateway URL must be http or https: " + gateway);
            }
            if (gateway.getHost() == null) {
                throw new IllegalArgumentException("gateway URL lacks a host: " + gateway);
            }
        }
        if (new HashSet<>(gateways).size() != gateways.size()) {
            throw new IllegalArgumentException("a gateway URL is given twice: " + gateways);
        }
        if (maxBodyBytes < 1 || ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        Objects.requireNonNull(connectTimeout);
        Objects.requireNonNull(requestTimeout);
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException("probe interval must be positive: " + probeInterval);
        }
    }

    /** A relay in front of one gateway, probed every {@link #DEFAULT_PROBE_INTERVAL}. */
    public RelayConfig(
            ListenAddress listen,
            URI gateway,
            long maxBodyBytes,
            double ratePerSecond,
            int burst,
            Duration connectTimeout,
            Duration requestTimeout) {
        this(
                listen,
                List.of(gateway),
                maxBodyBytes,
                ratePerSecond,
                burst,
                connectTimeout,
                requestTimeout,
                DEFAULT_PROBE_INTERVAL);
    }

    public static RelayConfig defaults(ListenAddress listen, URI gateway) {
        return defaults(listen, List.of(gateway));
    }

    public static RelayConfig defaults(ListenAddress listen, List<URI> gateways) {
        return new RelayConfig(
                listen,
                gateways,
                1 << 20,
                100,
                200,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                DEFAULT_PROBE_INTERVAL);
    }
}
