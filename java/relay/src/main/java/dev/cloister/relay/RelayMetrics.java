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
    }

    void record(Outcome outcome, long startNanos) {
        requests.get(outcome).increment();
        latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
