package dev.cloister.operator.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;

/** Counts and timings of the gateway; never content, never addresses. */
final class GatewayMetrics {

    /** How a request to {@code /gateway} ended. */
    enum Outcome {
        OK,
        KEY_CONFIGURATION,
        MALFORMED,
        DECRYPTION_FAILED,
        TRUNCATED,
        TOO_LARGE,
        MEDIA_TYPE,
        INNER_MALFORMED,
        TIMEOUT,
        INTERNAL
    }

    /** Which encapsulation the request used. */
    enum Kind {
        OHTTP,
        CHUNKED
    }

    private final Map<Kind, Map<Outcome, Counter>> requests = new EnumMap<>(Kind.class);
    private final Map<Kind, Timer> latency = new EnumMap<>(Kind.class);
    private final Counter keyFetches;

    GatewayMetrics(MeterRegistry registry) {
        for (Kind kind : Kind.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(
                        outcome,
                        Counter.builder("cloister.gateway.requests")
                                .description("Requests to /gateway by encapsulation and outcome")
                                .tag("kind", kind.name().toLowerCase())
                                .tag("outcome", outcome.name().toLowerCase())
                                .register(registry));
            }
            requests.put(kind, byOutcome);
            latency.put(
                    kind,
                    Timer.builder("cloister.gateway.latency")
                            .description("Time from request start to the end of the response")
                            .tag("kind", kind.name().toLowerCase())
                            .publishPercentileHistogram()
                            .register(registry));
        }
        keyFetches = Counter.builder("cloister.gateway.key.fetches")
                .description("GET /ohttp-keys")
                .register(registry);
    }

    void record(Kind kind, Outcome outcome, long startNanos) {
        requests.get(kind).get(outcome).increment();
        latency.get(kind).record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void keyFetch() {
        keyFetches.increment();
    }
}
