package dev.cloister.benchmarks.load;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.ObliviousRequest;
import dev.cloister.wire.ohttp.OhttpMediaTypes;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.InetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end load driver: a closed loop of {@code --concurrency} clients sending Oblivious HTTP requests through a
 * relay to a gateway on loopback, every response decapsulated and checked. Bounded in request count and in duration;
 * refuses non-loopback targets. Encapsulation (the client's HPKE setup) happens before the clock starts, so the
 * figure is the servers' throughput, not the driver's key generation.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.load.LoadDriver --in-process
 * java -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.load.LoadDriver \
 *     --relay http://127.0.0.1:8081/relay --keys http://127.0.0.1:8080/ohttp-keys
 * </pre>
 */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description = "Drive load through a relay and gateway on loopback.")
public final class LoadDriver implements Callable<Integer> {

    @Option(names = "--relay", description = "Relay URL (loopback only)")
    URI relay;

    @Option(names = "--keys", description = "Key configuration URL (loopback only)")
    URI keys;

    @Option(names = "--in-process", description = "Start a gateway (echo target) and a relay in this JVM")
    boolean inProcess;

    @Option(names = "--requests", defaultValue = "60000", description = "Measured requests (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(
            names = "--warmup",
            defaultValue = "20000",
            description = "Warm-up requests, not measured (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--concurrency",
            defaultValue = "32",
            description = "Requests in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--connections",
            defaultValue = "32",
            description = "HTTP connections to the relay (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(
            names = "--body-bytes",
            defaultValue = "1024",
            description = "Inner request body size (default: ${DEFAULT-VALUE})")
    int bodyBytes;

    @Option(
            names = "--max-duration",
            defaultValue = "PT120S",
            description = "Stop after this long (default: ${DEFAULT-VALUE})")
    Duration maxDuration;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadDriver()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        NodeRuntime runtime = inProcess ? NodeRuntime.create() : null;
        Vertx vertx = runtime != null ? runtime.vertx() : Vertx.vertx();
        try {
            if (inProcess) {
                startServers(runtime);
            }
            if (relay == null || keys == null) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "give --relay and --keys, or --in-process");
            }
            requireLoopback(relay);
            requireLoopback(keys);
            KeyConfig config;
            try (ObliviousHttpClient client = new ObliviousHttpClient(vertx, relay, Duration.ofSeconds(10))) {
                config = client.fetchKeys(keys).await(10, TimeUnit.SECONDS).getFirst();
            }
            SymmetricAlgorithm algorithm = config.algorithms().getFirst();
            System.out.printf(
                    "preparing %d requests (%d B bodies, %s %s)...%n",
                    warmup + requests, bodyBytes, config.kem(), algorithm);
            byte[] body = new byte[bodyBytes];
            new SecureRandom().nextBytes(body);
            byte[] inner = BinaryRequest.of(
                            "POST",
                            "https",
                            "gateway.cloister.invalid",
                            "/echo",
                            FieldSection.of("content-type", "application/octet-stream"),
                            body)
                    .encode();
            SecureRandom random = new SecureRandom();
            ObliviousRequest[] prepared = new ObliviousRequest[warmup + requests];
            for (int i = 0; i < prepared.length; i++) {
                prepared[i] = ObliviousRequest.encapsulate(config, algorithm, inner, random);
            }

            HttpClient http = vertx.createHttpClient(
                    new HttpClientOptions().setKeepAlive(true).setIdleTimeout(30),
                    new PoolOptions().setHttp1MaxSize(connections));
            Run warm = run(http, prepared, 0, warmup, body);
            System.out.printf("warm-up: %d requests, %d errors%n", warmup, warm.errors.get());
            Run measured = run(http, prepared, warmup, requests, body);
            report(measured);
            http.close();
            return measured.errors.get() == 0 && measured.completed.get() == requests ? 0 : 1;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private void startServers(NodeRuntime runtime) throws Exception {
        KeyRotation rotation = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(24),
                Duration.ofHours(6),
                Duration.ofHours(6),
                Clock.systemUTC(),
                new SecureRandom());
        GatewayConfig gatewayConfig = GatewayConfig.defaults(new ListenAddress("127.0.0.1", 18080));
        runtime.vertx()
                .deployVerticle(
                        () -> new GatewayVerticle(
                                gatewayConfig, rotation, new EchoTarget(), runtime.registry(), Clock.systemUTC()),
                        new DeploymentOptions().setInstances(2))
                .await(10, TimeUnit.SECONDS);
        RelayConfig relayConfig = new RelayConfig(
                new ListenAddress("127.0.0.1", 18081),
                URI.create("http://127.0.0.1:18080/gateway"),
                1 << 20,
                1e9,
                1_000_000_000,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30));
        runtime.vertx()
                .deployVerticle(
                        () -> new RelayVerticle(relayConfig, runtime.registry()),
                        new DeploymentOptions().setInstances(2))
                .await(10, TimeUnit.SECONDS);
        relay = URI.create("http://127.0.0.1:18081/relay");
        keys = URI.create("http://127.0.0.1:18080/ohttp-keys");
    }

    private static void requireLoopback(URI uri) throws Exception {
        if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("the load driver only targets loopback, not " + uri.getHost());
        }
    }

    private static final class Run {
        final Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        final AtomicLong errors = new AtomicLong();
        final AtomicInteger completed = new AtomicInteger();
        long startNanos;
        long endNanos;
    }

    private Run run(HttpClient http, ObliviousRequest[] prepared, int from, int count, byte[] expected)
            throws InterruptedException {
        Run run = new Run();
        AtomicInteger next = new AtomicInteger(from);
        int end = from + count;
        CountDownLatch done = new CountDownLatch(concurrency);
        long deadline = System.nanoTime() + maxDuration.toNanos();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(relay.toString())
                .putHeader(HttpHeaders.CONTENT_TYPE, OhttpMediaTypes.REQUEST)
                .setIdleTimeout(10_000);
        run.startNanos = System.nanoTime();
        for (int c = 0; c < concurrency; c++) {
            sendNext(http, options, prepared, next, end, deadline, expected, run, done);
        }
        done.await(maxDuration.toSeconds() + 30, TimeUnit.SECONDS);
        run.endNanos = System.nanoTime();
        return run;
    }

    private void sendNext(
            HttpClient http,
            RequestOptions options,
            ObliviousRequest[] prepared,
            AtomicInteger next,
            int end,
            long deadline,
            byte[] expected,
            Run run,
            CountDownLatch done) {
        int index = next.getAndIncrement();
        if (index >= end || System.nanoTime() > deadline) {
            done.countDown();
            return;
        }
        ObliviousRequest request = prepared[index];
        long start = System.nanoTime();
        http.request(options)
                .compose(r -> r.send(Buffer.buffer(request.bytes())))
                .compose(response -> response.body().map(b -> response.statusCode() == 200 ? b : null))
                .onComplete(result -> {
                    long micros = (System.nanoTime() - start) / 1000;
                    run.latency.recordValue(Math.min(micros, run.latency.getHighestTrackableValue()));
                    if (!check(result.succeeded() ? result.result() : null, request, expected)) {
                        run.errors.incrementAndGet();
                    }
                    run.completed.incrementAndGet();
                    prepared[index] = null;
                    sendNext(http, options, prepared, next, end, deadline, expected, run, done);
                });
    }

    private static boolean check(Buffer body, ObliviousRequest request, byte[] expected) {
        if (body == null) return false;
        try {
            BinaryResponse response = BinaryResponse.decode(request.openResponse(body.getBytes()));
            return response.status() == 200 && Arrays.equals(expected, response.content());
        } catch (Exception e) {
            return false;
        }
    }

    private void report(Run run) {
        double seconds = (run.endNanos - run.startNanos) / 1e9;
        System.out.printf(
                "measured: %d requests in %.2f s = %.0f requests/s, %d errors%n",
                run.completed.get(), seconds, run.completed.get() / seconds, run.errors.get());
        System.out.printf(
                "latency (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
                run.latency.getValueAtPercentile(50) / 1000.0,
                run.latency.getValueAtPercentile(90) / 1000.0,
                run.latency.getValueAtPercentile(99) / 1000.0,
                run.latency.getValueAtPercentile(99.9) / 1000.0,
                run.latency.getMaxValue() / 1000.0);
    }
}
