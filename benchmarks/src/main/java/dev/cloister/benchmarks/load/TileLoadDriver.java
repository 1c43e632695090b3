package dev.cloister.benchmarks.load;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.tiles.TileId;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Tile serving load (issue target: ≥ 5,000 tile reads/s): a ledger with {@code --entries} entries in a temporary
 * directory, served by the real {@link LedgerVerticle} on loopback, read back by a closed loop of clients fetching
 * random full level-0 tiles, higher-level tiles and entry bundles. Bounded in count; loopback only.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.load.TileLoadDriver</pre>
 */
@Command(
        name = "tile-load",
        mixinStandardHelpOptions = true,
        description = "Drive tile reads against a ledger on loopback.")
public final class TileLoadDriver implements Callable<Integer> {

    @Option(names = "--entries", defaultValue = "262144", description = "Log size to serve (default: ${DEFAULT-VALUE})")
    int entries;

    @Option(names = "--requests", defaultValue = "100000", description = "Measured reads (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--warmup", defaultValue = "20000", description = "Warm-up reads (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--concurrency", defaultValue = "32", description = "Reads in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TileLoadDriver()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("cloister-tile-load");
        Ed25519NoteSigner key =
                new Ed25519NoteSigner("tile-load.example", Ed25519PrivateKey.generate(new SecureRandom()));
        LogStorage storage = LogStorage.open(dir);
        Sequencer sequencer = Sequencer.open(storage, "tile-load.example", key);
        SecureRandom random = new SecureRandom();
        System.out.printf("appending %d entries...%n", entries);
        for (int done = 0; done < entries; ) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < 4096 && done < entries; i++, done++) {
                byte[] config = new byte[40];
                random.nextBytes(config);
                // One-second windows that never overlap, as the ledger's key rules ask of OHTTP keys.
                Instant start = Instant.parse("2026-11-28T00:00:00Z").plusSeconds(done);
                batch.add(new OhttpKeyConfigEntry(Bytes.of(config), start, start.plusSeconds(1)).encode());
            }
            sequencer.append(batch);
        }
        NodeRuntime runtime = NodeRuntime.create();
        try {
            LedgerVerticle ledger = new LedgerVerticle(
                    new ListenAddress("127.0.0.1", 0),
                    sequencer,
                    storage,
                    List.of(),
                    List.of(),
                    Duration.ofSeconds(1),
                    runtime.registry());
            runtime.vertx().deployVerticle(ledger).await(10, TimeUnit.SECONDS);
            List<String> paths = new ArrayList<>();
            long fullTiles = entries / 256;
            for (long i = 0; i < fullTiles; i++) {
                paths.add("/" + TileId.full(0, i).path());
                paths.add("/tile/entries/" + TileId.full(0, i).path().substring("tile/0/".length()));
            }
            for (long i = 0; i < Math.max(1, fullTiles / 256); i++)
                paths.add("/" + TileId.full(1, i).path());
            HttpClient http = runtime.vertx()
                    .createHttpClient(
                            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(concurrency));
            run(http, ledger.actualPort(), paths, warmup);
            Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
            AtomicLong errors = new AtomicLong();
            long start = System.nanoTime();
            int completed = run(http, ledger.actualPort(), paths, requests, latency, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "measured: %d tile reads in %.2f s = %.0f reads/s, %d errors%n",
                    completed, seconds, completed / seconds, errors.get());
            System.out.printf(
                    "latency (ms): p50 %.2f  p99 %.2f  max %.2f%n",
                    latency.getValueAtPercentile(50) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0,
                    latency.getMaxValue() / 1000.0);
            return errors.get() == 0 ? 0 : 1;
        } finally {
            runtime.vertx().close().await(10, TimeUnit.SECONDS);
        }
    }

    private int run(HttpClient http, int port, List<String> paths, int count) throws InterruptedException {
        return run(
                http, port, paths, count, new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3), new AtomicLong());
    }

    private int run(HttpClient http, int port, List<String> paths, int count, Histogram latency, AtomicLong errors)
            throws InterruptedException {
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int c = 0; c < concurrency; c++) {
            next(http, port, paths, count, issued, completed, latency, errors, done);
        }
        done.await(300, TimeUnit.SECONDS);
        return completed.get();
    }

    private void next(
            HttpClient http,
            int port,
            List<String> paths,
            int count,
            AtomicInteger issued,
            AtomicInteger completed,
            Histogram latency,
            AtomicLong errors,
            CountDownLatch done) {
        if (issued.getAndIncrement() >= count) {
            done.countDown();
            return;
        }
        String path = paths.get(ThreadLocalRandom.current().nextInt(paths.size()));
        long start = System.nanoTime();
        http.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI(path))
                .compose(r -> r.send())
                .compose(r -> r.body().map(b -> r.statusCode() == 200 && b.length() > 0))
                .onComplete(result -> {
                    latency.recordValue(
                            Math.min((System.nanoTime() - start) / 1000, latency.getHighestTrackableValue()));
                    if (result.failed() || !result.result()) errors.incrementAndGet();
                    completed.incrementAndGet();
                    next(http, port, paths, count, issued, completed, latency, errors, done);
                });
    }
}
