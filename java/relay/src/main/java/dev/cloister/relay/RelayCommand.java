package dev.cloister.relay;

import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import io.vertx.core.DeploymentOptions;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloister relay}: the Oblivious Relay. */
@Command(
        name = "relay",
        mixinStandardHelpOptions = true,
        description = "Run an Oblivious HTTP relay: POST /relay is forwarded to a gateway replica.")
public final class RelayCommand implements Callable<Integer> {

    @Option(
            names = "--listen",
            required = true,
            converter = ListenArgument.class,
            description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(
            names = "--gateway",
            required = true,
            description = "Gateway URL, e.g. http://127.0.0.1:8080/gateway; repeat it for each replica (requests are"
                    + " spread over the healthy ones)")
    List<URI> gateways;

    @Option(
            names = "--gateway-probe-interval",
            defaultValue = "PT5S",
            description = "How often each gateway replica is probed with HEAD (default: ${DEFAULT-VALUE})")
    Duration probeInterval;

    @Option(
            names = "--admin-listen",
            defaultValue = "127.0.0.1:9465",
            converter = ListenArgument.class,
            description = "HOST:PORT for /metrics and /health (default: ${DEFAULT-VALUE})")
    ListenAddress adminListen;

    @Option(
            names = "--rate",
            defaultValue = "100",
            description = "Requests per second per client address (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(
            names = "--burst",
            defaultValue = "200",
            description = "Burst per client address (default: ${DEFAULT-VALUE})")
    int burst;

    @Option(
            names = "--max-body",
            defaultValue = "1048576",
            description = "Largest body relayed, bytes (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--instances", defaultValue = "0", description = "Verticle instances (default: one per core)")
    int instances;

    @Override
    public Integer call() throws Exception {
        for (URI gateway : gateways) Arguments.webUrl("--gateway", gateway);
        if (new HashSet<>(gateways).size() != gateways.size()) {
            throw new UsageException("--gateway " + gateways, "a replica is given twice");
        }
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new UsageException("--gateway-probe-interval " + probeInterval, "must be positive");
        }
        if (rate <= 0 || Double.isNaN(rate)) throw new UsageException("--rate " + rate, "must be positive");
        if (burst < 1) throw new UsageException("--burst " + burst, "must be at least 1");
        if (maxBody < 1) throw new UsageException("--max-body " + maxBody, "must be at least 1");
        if (instances < 0) throw new UsageException("--instances " + instances, "must not be negative");
        RelayConfig defaults = RelayConfig.defaults(listen, gateways);
        RelayConfig config = new RelayConfig(
                defaults.listen(),
                gateways,
                maxBody,
                rate,
                burst,
                defaults.connectTimeout(),
                defaults.requestTimeout(),
                probeInterval);
        int count = instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
        NodeRuntime runtime = NodeRuntime.create();
        try {
            runtime.vertx()
                    .deployVerticle(
                            () -> new RelayVerticle(config, runtime.registry()),
                            new DeploymentOptions().setInstances(count))
                    .compose(id -> runtime.vertx().deployVerticle(new AdminVerticle(adminListen, runtime.registry())))
                    .await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
        System.err.println("cloister relay on " + listen + " -> " + gateways + ", admin on " + adminListen);
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }
}
