package dev.cloister.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Counts and timings of the relay; never content, never client addresses. */
final class RelayMetrics {

    enum Outcome {
        FORWARDED,
        MEDIA_TYPE,
        TOO_LARGE,
        RATE_LIMITED,
        GATEWAY_UNREACHABLE,
        GATEWAY_TIMEOUT,
        CLIENT_ABORTED
    }

    private final Map<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
    private final Timer latency;
    private final Counter retries;
    private final Counter probeFailures;

    RelayMetrics(MeterRegistry registry) {
        for (Outcome outcome : Outcome.values()) {
            requests.put(
                    outcome,
                    Counter.builder("cloister.relay.requests")
                            .description("Requests to /relay by outcome")
                            .tag("outcome", outcome.name().toLowerCase())
                            .register(registry));
        }
        latency = Timer.builder("cloister.relay.latency")
                .description("Time from request start to the end of the relayed response")
                .publishPercentileHistogram()
                .register(registry);
        retries = Counter.builder("cloister.relay.gateway.retries")
                .description("Exchanges moved to another gateway replica after a connection to one failed")
                .register(registry);
        probeFailures = Counter.builder("cloister.relay.gateway.probe.failures")
                .description("Gateway replica probes that failed (no answer, or an answer of 500 or more)")
                .register(registry);
    }

    void retried() {
        retries.increment();
    }

    void probeFailed() {
        probeFailures.increment();
    }

    void record(Outcome outcome, long startNanos) {
        requests.get(outcome).increment();
        latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
