package dev.cloister.cli;

import dev.cloister.cli.soak.CanaryScan;
import dev.cloister.cli.soak.FaultKind;
import dev.cloister.cli.soak.SessionTally;
import dev.cloister.cli.soak.SoakDeployment;
import dev.cloister.cli.soak.SoakFigures;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.server.command.UsageException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cloister soak}: every party a separate {@code cloister} process on loopback ({@link SoakDeployment}), private
 * rewrites through the SDK at a fixed rate for a set time, a fault on a schedule (round robin over
 * {@link FaultKind}), and at the end the figures and their invariants ({@link SoakFigures}): the last line is
 * {@code soak: attempted=N succeeded=N failed=N retried=N p50_ms=X p99_ms=Y double_spends=N lost_entries=N
 * canaries=N faults=N}; the exit status is 1 when an invariant does not hold.
 *
 * <p>Every prompt carries a random canary; at the end every file the parties wrote (logs, ledger and witness data,
 * Redis's append-only file, the client's request log) is searched for it.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = "Run every party as a separate process, drive private sessions at a rate while injecting "
                + "faults (kill -9 a gateway replica, an enclave, Redis, the ledger; stall the relay), and check "
                + "that nothing is double spent, lost or leaked.")
public final class SoakCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--duration",
            defaultValue = "PT2M",
            description = "How long sessions are driven (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(
            names = "--rate",
            defaultValue = "2",
            description = "Sessions started per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(
            names = "--fault-every",
            defaultValue = "PT60S",
            description =
                    "A fault this often, round robin: gateway, enclave, redis, ledger, relay (default: ${DEFAULT-VALUE})")
    Duration faultEvery;

    @Option(
            names = "--faults",
            split = ",",
            defaultValue = "gateway,enclave,redis,ledger,relay",
            description = "Which faults, in this order (default: ${DEFAULT-VALUE})")
    List<String> faults;

    @Option(names = "--enclaves", defaultValue = "2", description = "Enclaves (default: ${DEFAULT-VALUE})")
    int enclaves;

    @Option(
            names = "--warmup",
            defaultValue = "PT10S",
            description =
                    "Sessions before the measured run, and before the first RSS reading (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(
            names = "--rss-every",
            defaultValue = "PT5M",
            description = "A line with every party's resident set size this often during the measured run"
                    + " (default: ${DEFAULT-VALUE})")
    Duration rssEvery;

    @Option(
            names = "--max-retries",
            defaultValue = "1",
            description = "Retries of a session that failed with a retryable reason (default: ${DEFAULT-VALUE})")
    int maxRetries;

    @Option(
            names = "--max-in-flight",
            defaultValue = "64",
            description =
                    "Sessions in flight at most; a start beyond it fails as 'backlog' (default: ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(
            names = "--max-output-tokens",
            defaultValue = "16",
            description = "Tokens each enclave generates at most per answer (default: ${DEFAULT-VALUE})")
    int maxOutputTokens;

    @Option(
            names = "--models",
            defaultValue = "testdata/models",
            description = "Directory with stories260K.bin and tok512.bin (default: ${DEFAULT-VALUE})")
    Path models;

    @Option(
            names = "--data",
            description =
                    "Where every party keeps its state and log (default: a new directory under the temporary one)")
    Path data;

    @Option(names = "--redis-server", defaultValue = "redis-server", description = "The redis-server to run")
    String redisServer;

    @Option(
            names = "--party-heap",
            defaultValue = "256m",
            description = "Each party's -Xmx (default: ${DEFAULT-VALUE})")
    String heap;

    @Option(
            names = "--party-jvm-option",
            description = "An option for every party's JVM, e.g. -XX:TieredStopAtLevel=1 (quicker starts); repeatable")
    List<String> partyJvmOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!(rate > 0) || rate > 1000) throw new UsageException("--rate " + rate, "must be above 0 and at most 1000");
        if (duration.isNegative() || duration.isZero())
            throw new UsageException("--duration " + duration, "must be positive");
        if (faultEvery.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new UsageException("--fault-every " + faultEvery, "must be at least 1 second");
        }
        if (enclaves < 1 || enclaves > 16) throw new UsageException("--enclaves " + enclaves, "must be 1 to 16");
        if (maxRetries < 0 || maxRetries > 5) throw new UsageException("--max-retries " + maxRetries, "must be 0 to 5");
        if (maxInFlight < 1) throw new UsageException("--max-in-flight " + maxInFlight, "must be positive");
        if (rssEvery.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new UsageException("--rss-every " + rssEvery, "must be at least 1 second");
        }
        List<FaultKind> schedule = new ArrayList<>();
        for (String f : faults) {
            try {
                schedule.add(FaultKind.valueOf(f.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--faults " + f, "is not one of gateway, enclave, redis, ledger, relay");
            }
        }
        Path model = models.resolve("stories260K.bin");
        Path tokenizer = models.resolve("tok512.bin");
        if (!Files.isRegularFile(model) || !Files.isRegularFile(tokenizer)) {
            throw new UsageException("--models " + models, "holds no stories260K.bin and tok512.bin");
        }
        Path state = data != null ? data.toAbsolutePath() : Files.createTempDirectory("cloister-soak");
        if (Files.isDirectory(state)) {
            try (var entries = Files.list(state)) {
                if (entries.findAny().isPresent()) throw new UsageException("--data " + state, "is not empty");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        String canary = "cnry" + HexFormat.of().formatHex(randomBytes(12));
        String draft = "running late " + canary + " see you at the park in ten minutes";
        Vertx vertx = Vertx.vertx();
        try (SoakDeployment deployment = SoakDeployment.start(
                new SoakDeployment.Config(
                        state,
                        model.toAbsolutePath(),
                        tokenizer.toAbsolutePath(),
                        enclaves,
                        maxOutputTokens,
                        redisServer,
                        heap,
                        partyJvmOptions),
                out)) {
            Path clientDir = Files.createDirectories(state.resolve("client"));
            SessionOptions options = new SessionOptions();
            new CommandLine(options)
                    .parseArgs(deployment.sessionArguments(clientDir).toArray(String[]::new));
            try (CloisterClient client =
                    options.builder(vertx).retries(0).tokenBatch(32).build()) {
                // Warm-up: the parties' JITs, the first tokens and keys; then the RSS baseline.
                SessionTally warm = new SessionTally();
                drive(vertx, client, draft, warmup, warm, List.of(), deployment, out);
                Map<String, Long> rssStart = deployment.rssKib();
                Map<String, Long> liveStart = deployment.liveHeapKib();
                out.println("soak: warmed up; rss_kib at start " + rssStart + "; live_heap_kib " + liveStart);
                out.flush();
                SessionTally tally = new SessionTally();
                Thread rssSamples = rssSamples(deployment, rssStart, out);
                int injected;
                try {
                    injected = drive(vertx, client, draft, duration, tally, schedule, deployment, out);
                } finally {
                    rssSamples.interrupt();
                    rssSamples.join();
                }
                // What the invariants need, read once the load has stopped.
                long present = deployment.entriesPresent();
                long acknowledged = deployment.entriesAcknowledged();
                long redeemed = deployment.tokensRedeemed();
                long records = deployment.spentRecords();
                long issued = deployment.tokensIssued();
                long answered = warm.succeededCount() + tally.succeededCount();
                Map<String, Long> rssEnd = deployment.rssKib();
                Map<String, Long> liveEnd = deployment.liveHeapKib();
                deployment.close(); // every log flushed and closed before the scan
                List<Path> leaks = CanaryScan.filesContaining(state, canary);
                for (Path leak : leaks) out.println("soak: the canary is in " + leak);
                SoakFigures figures = new SoakFigures(
                        tally.attemptedCount(),
                        tally.succeededCount(),
                        tally.failedCount(),
                        tally.retriedCount(),
                        tally.recoveredCount(),
                        tally.latencyMillis(50),
                        tally.latencyMillis(99),
                        tally.failedByReason(),
                        issued,
                        redeemed,
                        answered,
                        records,
                        SoakFigures.doubleSpends(redeemed, answered, records),
                        acknowledged,
                        present,
                        leaks.size(),
                        injected);
                out.println("soak: live_heap_kib " + rssLine(liveStart, liveEnd));
                out.println("soak: rss_kib " + rssLine(rssStart, rssEnd));
                out.println(figures.detailLine());
                out.println(figures.lastLine());
                out.flush();
                return figures.holds() ? 0 : 1;
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static final AtomicInteger UNTYPED_SHOWN = new AtomicInteger();

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /**
     * Every {@code rssEvery}, a line with each party's resident set size against its post-warm-up reading
     * ({@link #rssLine}), so that growth can be told from a step: heap pages touched once, a restart, or a steady leak.
     */
    private Thread rssSamples(SoakDeployment deployment, Map<String, Long> start, PrintWriter out) {
        long t0 = System.nanoTime();
        return Thread.ofPlatform().name("soak-rss").daemon().start(() -> {
            try {
                while (true) {
                    TimeUnit.NANOSECONDS.sleep(rssEvery.toNanos());
                    Map<String, Long> now = deployment.rssKib();
                    synchronized (out) {
                        out.printf(
                                Locale.ROOT,
                                "soak: %s rss_kib at +%.0f s: %s%n",
                                Instant.now(),
                                (System.nanoTime() - t0) / 1e9,
                                rssLine(start, now));
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                // the measured run is over
            }
        });
    }

    /** {@code name=start->end(+x%)} for each party measured at both ends. */
    static String rssLine(Map<String, Long> start, Map<String, Long> end) {
        return start.entrySet().stream()
                .map(e -> {
                    Long after = end.get(e.getKey());
                    if (after == null) return e.getKey() + "=" + e.getValue() + "->killed";
                    return String.format(
                            Locale.ROOT,
                            "%s=%d->%d(%+.1f%%)",
                            e.getKey(),
                            e.getValue(),
                            after,
                            100.0 * (after - e.getValue()) / e.getValue());
                })
                .collect(Collectors.joining(" "));
    }

    /**
     * Starts sessions at {@code rate} for {@code length}, injecting a fault of {@code schedule} every
     * {@code faultEvery} (round robin, on its own thread, after publishing a ledger marker), then waits for the
     * sessions in flight. Sessions go on past {@code length} while a fault scheduled before its end is still running.
     * Returns how many faults it injected.
     */
    private int drive(
            Vertx vertx,
            CloisterClient client,
            String draft,
            Duration length,
            SessionTally tally,
            List<FaultKind> schedule,
            SoakDeployment deployment,
            PrintWriter out)
            throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger injected = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        Thread faults = null;
        if (!schedule.isEmpty()) {
            faults = Thread.ofPlatform().name("soak-faults").start(() -> {
                long next = start + faultEvery.toNanos();
                int turn = 0;
                while (next < end) {
                    try {
                        long wait = next - System.nanoTime();
                        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                        FaultKind kind = schedule.get(turn++ % schedule.size());
                        boolean marked = deployment.publishMarker();
                        String what = deployment.inject(kind);
                        injected.incrementAndGet();
                        synchronized (out) {
                            out.printf(
                                    Locale.ROOT,
                                    "soak: %s fault %d at +%.0f s: %s%s%n",
                                    Instant.now(),
                                    injected.get(),
                                    (System.nanoTime() - start) / 1e9,
                                    what,
                                    marked ? "" : " (the marker before it was not acknowledged)");
                            out.flush();
                        }
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        synchronized (out) {
                            out.println("soak: a fault could not be injected: " + e);
                            out.flush();
                        }
                    }
                    next += faultEvery.toNanos();
                }
            });
        }
        long interval = (long) (1e9 / rate);
        long next = start;
        // Sessions keep coming until the end and until every fault scheduled before it has run (a slow restart
        // delays the next fault; each still happens under load).
        while (next < end || (faults != null && faults.isAlive())) {
            long wait = next - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            tally.attempted();
            if (inFlight.incrementAndGet() > maxInFlight) {
                inFlight.decrementAndGet();
                tally.failed("backlog");
            } else {
                session(vertx, client, draft, tally, System.nanoTime(), maxRetries, 0)
                        .onComplete(r -> inFlight.decrementAndGet());
            }
            next += interval;
        }
        if (faults != null) faults.join();
        long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (inFlight.get() > 0 && System.nanoTime() < drain) Thread.sleep(50);
        return injected.get();
    }

    /**
     * One session: a rewrite; a retryable failure is tried again, up to {@code retries} times, after the wait the
     * gateway asked for ({@code Retry-After}), as the SDK's own retries do.
     */
    private static Future<Void> session(
            Vertx vertx, CloisterClient client, String draft, SessionTally tally, long t0, int retries, int retried) {
        return client.rewrite(draft, "friendly")
                .<Void>mapEmpty()
                .onSuccess(v -> tally.succeeded((System.nanoTime() - t0) / 1000, retried))
                .recover(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof SessionFailure f) {
                        if (f.retryable() && retries > 0) {
                            tally.retried();
                            long wait = f.retryAfter().map(Duration::toMillis).orElse(0L);
                            if (wait <= 0) return session(vertx, client, draft, tally, t0, retries - 1, retried + 1);
                            return vertx.timer(wait)
                                    .compose(v -> session(vertx, client, draft, tally, t0, retries - 1, retried + 1));
                        }
                        String reason = f.kind().name().toLowerCase(Locale.ROOT);
                        // The first failure of each kind says why (the SDK's messages carry no plaintext).
                        if (tally.failed(reason)) {
                            System.err.println("soak: the first " + reason + " failure: " + f.getMessage());
                        }
                    } else {
                        tally.failed(SessionTally.UNTYPED);
                        if (UNTYPED_SHOWN.incrementAndGet() <= 5) {
                            System.err.println("soak: a session failed without a typed reason: " + cause);
                        }
                    }
                    return Future.succeededFuture();
                });
    }
}
