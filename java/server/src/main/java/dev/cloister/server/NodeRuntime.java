package dev.cloister.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;

/**
 * A Vert.x instance whose metrics (Vert.x's own and Cloister's) go to one Prometheus registry. A server deployed as
 * several verticle instances logs that it listens once ({@link ListeningAnnouncement}); a peer's reset of a stream is
 * not logged as an error ({@link PeerReset}).
 */
public record NodeRuntime(Vertx vertx, PrometheusMeterRegistry registry) implements AutoCloseable {

    public static NodeRuntime create() {
        ListeningAnnouncement.install();
        PeerReset.LogFilter.install();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
        return new NodeRuntime(vertx, registry);
    }

    /** Closes Vert.x and every server on it (a command that fails to start leaves no threads or ports behind). */
    @Override
    public void close() throws Exception {
        vertx.close().await(30, TimeUnit.SECONDS);
    }
}
