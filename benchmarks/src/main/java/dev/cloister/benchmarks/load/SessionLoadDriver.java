package dev.cloister.benchmarks.load;

import dev.cloister.base.SecretBytes;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.cli.proxy.OpenAiProxy;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.infer.nativecore.NativeEngine;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.SchedulerConfig;
import dev.cloister.infer.scheduler.TokenSink;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.operator.GatewayDeployment;
import dev.cloister.operator.sessions.EnclaveMembership;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.tokens.RedisSpentTokenStore;
import dev.cloister.protocol.membership.MemberAnnouncement;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.openai.ServerSentEvents;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.tokens.keys.EpochSchedule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The private-session load driver (issue 8): every party on loopback in this process (ledger, witnesses, issuer,
 * gateway, key directory, relay, simulated enclaves on the native CPU engine), then a closed loop of
 * {@code --concurrency} clients, each running complete private sessions (token, RA-TLS with full verification, one
 * rewrite of {@code --tokens} generated tokens). Reports sessions/s, errors and latency percentiles.
 *
 * <p>It also measures the privacy overhead: the same request sequentially through the whole path, and the same
 * prompt as a direct call to the inference scheduler (same model, same token count), interleaved, so both see the
 * same machine; the overhead is the difference of the medians.
 *
 * <p>With {@code --mode openai} the sessions are OpenAI chat completions, streamed: {@code --concurrency} callers
 * post {@code /v1/chat/completions} to an in-process {@code cloister proxy} ({@link OpenAiProxy}) in front of the same
 * deployment and read each event stream to {@code [DONE]} (completions/s). Then, sequentially and interleaved, the time
 * to the first streamed text through the proxy (an HTTP caller) and through the SDK directly
 * ({@link CloisterClient#chat}): their difference is the proxy's added latency. The same SDK samples minus the
 * enclave's own time to first token (its {@code cloister.enclave.chat.first_token} timer: request read inside the
 * session to first text sent, read per sample) give what the private path adds to the time to first token.
 *
 * <p>With {@code --mode padding} the same rewrites run whole and streamed, through a client that pads (the default)
 * and one that does not, each arm {@code --duration} in turn for {@code --rounds} rounds on the same deployment
 * (whose enclaves pad with {@code AnswerPadding.DEFAULT} when asked): sessions/s, latency and the time to the first
 * streamed text side by side, with the medians over the rounds.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.cloister.benchmarks.load.SessionLoadDriver --models testdata/models --duration PT20S --concurrency 16
 * </pre>
 */
@Command(
        name = "session-load",
        mixinStandardHelpOptions = true,
        description = "Drive complete private sessions through every party on loopback.")
public final class SessionLoadDriver implements Callable<Integer> {

    @Option(
            names = "--models",
            defaultValue = "testdata/models",
            description = "Directory with stories260K.bin and tok512.bin")
    Path models;

    @Option(
            names = "--concurrency",
            defaultValue = "16",
            description = "Sessions in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--duration", defaultValue = "PT20S", description = "Measured duration (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "PT5S", description = "Warm-up (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(
            names = "--tokens",
            defaultValue = "16",
            description = "Generated tokens per session (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--enclaves", defaultValue = "2", description = "Enclaves (default: ${DEFAULT-VALUE})")
    int enclaves;

    @Option(
            names = "--overhead-samples",
            defaultValue = "200",
            description = "Sequential samples for the overhead (default: ${DEFAULT-VALUE})")
    int overheadSamples;

    @Option(names = "--max-sessions", defaultValue = "1000000", description = "Stop after this many sessions")
    long maxSessions;

    @Option(
            names = "--batch-window",
            description =
                    "Enclaves share one report among handshakes within this window (e.g. PT0.005S); default: one report per handshake")
    Duration batchWindow;

    @Option(
            names = "--replicas",
            defaultValue = "0",
            description =
                    "Gateway replicas over Redis (needs --redis), each behind its own relay, the enclaves joining "
                            + "by registration and the clients spread over the replicas; 0: the one gateway with handles in "
                            + "memory (default: ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--redis", description = "Redis for --replicas, e.g. redis://127.0.0.1:6379")
    String redis;

    /** What a session is. */
    enum Mode {
        /** A rewrite through the SDK. */
        SESSIONS,
        /** A streamed OpenAI chat completion through the proxy. */
        OPENAI,
        /** Rewrites, whole and streamed, with padding on and off, interleaved in rounds (issue 15, item 1). */
        PADDING
    }

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description = "--mode padding: rounds of the four arms, interleaved (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--mode",
            defaultValue = "SESSIONS",
            description = "sessions (SDK rewrites) or openai (streamed chat completions through the proxy)",
            converter = ModeConverter.class)
    Mode mode;

    static final class ModeConverter implements CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return Mode.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private static final String DRAFT = "hey, running late, see you at the park in ten minutes";

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("cloister-load");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (LocalDeployment deployment = LocalDeployment.start(
                        vertx,
                        dir,
                        registry,
                        LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                                .withEnclaves(enclaves)
                                .withMaxOutputTokens(tokens)
                                .withRelayRate(1_000_000)
                                .withAttestation(
                                        batchWindow == null
                                                ? new dev.cloister.attest.ratls.AttestationMode.PerHandshake()
                                                : new dev.cloister.attest.ratls.AttestationMode.Batched(
                                                        batchWindow, 64)));
                CloisterClient client = deployment.client().tokenBatch(64).build()) {
            if (mode == Mode.OPENAI) return openAi(vertx, deployment, client, registry);
            if (mode == Mode.PADDING) return padding(deployment, client);
            List<CloisterClient> clients = replicas > 0 ? replicate(vertx, deployment, registry) : List.of(client);
            // Load: a closed loop of `concurrency` sessions.
            run(clients, warmup, new Histogram(3), new AtomicLong(), new AtomicLong());
            Histogram latency = new Histogram(3);
            AtomicLong ok = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            run(clients, duration, latency, ok, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
            System.out.printf(
                    "private sessions: %d in %.1f s = %.1f sessions/s, %d errors; latency p50 %.1f ms, p99 %.1f ms;"
                            + " process CPU %.2f ms per session (concurrency %d, %d enclaves, %d tokens each, %s, %s)%n",
                    ok.get(),
                    seconds,
                    ok.get() / seconds,
                    errors.get(),
                    latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3,
                    cpuSeconds * 1e3 / Math.max(1, ok.get()),
                    concurrency,
                    enclaves,
                    tokens,
                    batchWindow == null
                            ? "one report per handshake"
                            : "reports batched over " + batchWindow.toMillis() + " ms",
                    replicas > 0
                            ? replicas + " gateway replicas over Redis"
                            : "one gateway, session handles in memory");
            // Privacy overhead: the same request through everything vs. a direct call to the inference scheduler.
            Tokenizer tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.read(models.resolve("tok512.bin")));
            try (NativeEngine engine = NativeEngine.open(
                            models.resolve("stories260K.bin"),
                            NativeEngine.Options.defaults().withThreads(1).withMaxSequences(4));
                    BatchScheduler direct = BatchScheduler.start(engine, tokenizer, new SchedulerConfig(16, 64, 64))) {
                byte[] prompt = ("Rewrite this message to be friendly:\n" + DRAFT + "\nRewritten:")
                        .getBytes(StandardCharsets.UTF_8);
                Histogram whole = new Histogram(3);
                Histogram inference = new Histogram(3);
                for (int i = 0; i < overheadSamples; i++) {
                    long t0 = System.nanoTime();
                    client.rewrite(DRAFT, "friendly").await(60, TimeUnit.SECONDS);
                    whole.recordValue((System.nanoTime() - t0) / 1000);
                    long t1 = System.nanoTime();
                    generate(direct, tokenizer.encode(prompt, Framing.BOS), tokens)
                            .get(60, TimeUnit.SECONDS);
                    inference.recordValue((System.nanoTime() - t1) / 1000);
                }
                double p50Whole = whole.getValueAtPercentile(50) / 1e3;
                double p50Inference = inference.getValueAtPercentile(50) / 1e3;
                System.out.printf(
                        "privacy overhead: p50 whole path %.2f ms - p50 direct inference %.2f ms = %.2f ms"
                                + " (%d sequential samples each, interleaved)%n",
                        p50Whole, p50Inference, p50Whole - p50Inference, overheadSamples);
            }
            return errors.get() == 0 ? 0 : 1;
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code --replicas} gateways over Redis, as separate {@code cloister gateway --redis --session-key-file
     * --members-listen} processes would run (same OHTTP and token keys, spent tokens and session handles in Redis),
     * each behind a relay of its own; every enclave registers with one of them and every replica attests it. Returns
     * one client per relay.
     */
    private List<CloisterClient> replicate(Vertx vertx, LocalDeployment deployment, MeterRegistry registry)
            throws Exception {
        if (redis == null) throw new CommandLine.ParameterException(new CommandLine(this), "--replicas needs --redis");
        SecureRandom random = new SecureRandom();
        SecretBytes handleKey = SecretBytes.random(random, 32);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<GatewayDeployment> gateways = new ArrayList<>();
        List<CloisterClient> clients = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            GatewayDeployment gateway = deployment.startReplica(
                    new GatewayDeployment.Replicated(
                            Redis.createClient(
                                    vertx,
                                    new RedisOptions()
                                            .setConnectionString(redis)
                                            .setMaxPoolSize(16)
                                            .setMaxPoolWaiting(1024)),
                            handleKey,
                            Optional.of(new GatewayDeployment.Membership(
                                    new ListenAddress("127.0.0.1", 0),
                                    new SecretKeySpec(secret, "HmacSHA256"),
                                    Duration.ofSeconds(30),
                                    Duration.ofSeconds(5)))),
                    new RedisSpentTokenStore(
                            vertx,
                            redis,
                            new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                            Duration.ofHours(1),
                            Duration.ofSeconds(2)));
            gateways.add(gateway);
            RelayConfig defaults = RelayConfig.defaults(
                    new ListenAddress("127.0.0.1", 0),
                    URI.create("http://127.0.0.1:" + gateway.actualPort() + "/gateway"));
            RelayVerticle relay = new RelayVerticle(
                    new RelayConfig(
                            defaults.listen(),
                            defaults.gateways(),
                            defaults.maxBodyBytes(),
                            1_000_000,
                            2_000_000,
                            defaults.connectTimeout(),
                            defaults.requestTimeout(),
                            defaults.probeInterval()),
                    registry);
            vertx.deployVerticle(relay).await(30, TimeUnit.SECONDS);
            clients.add(deployment
                    .client()
                    .tokenBatch(64)
                    .relay(URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay"))
                    .build());
        }
        // Each enclave announces itself to one replica, and heart-beats every 5 s (as `cloister enclave --register`).
        List<EnclavePool.Member> enclaves = deployment.pool().members();
        for (int i = 0; i < enclaves.size(); i++) {
            EnclaveMembership membership =
                    gateways.get(i % replicas).membership().orElseThrow();
            String id = "enclave-" + i;
            URI sessions = enclaves.get(i).sessions();
            EnclaveMembership.Outcome outcome = membership
                    .announce(new MemberAnnouncement(id, sessions, Instant.now()))
                    .await(30, TimeUnit.SECONDS);
            if (outcome != EnclaveMembership.Outcome.ADMITTED) throw new IllegalStateException("enclave " + outcome);
            vertx.setPeriodic(5_000, t -> membership.announce(new MemberAnnouncement(id, sessions, Instant.now())));
        }
        for (GatewayDeployment gateway : gateways) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (gateway.pool().orElseThrow().members().size() < enclaves.size()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("a replica did not admit them all");
                Thread.sleep(50);
            }
        }
        return clients;
    }

    private void run(List<CloisterClient> clients, Duration length, Histogram latency, AtomicLong ok, AtomicLong errors)
            throws Exception {
        Instant end = Instant.now().plus(length);
        CompletableFuture<?>[] loops = new CompletableFuture<?>[concurrency];
        for (int i = 0; i < concurrency; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops[i] = done;
            loop(clients.get(i % clients.size()), end, latency, ok, errors, done);
        }
        CompletableFuture.allOf(loops).get(length.toSeconds() + 120, TimeUnit.SECONDS);
    }

    private void loop(
            CloisterClient client,
            Instant end,
            Histogram latency,
            AtomicLong ok,
            AtomicLong errors,
            CompletableFuture<Void> done) {
        if (Instant.now().isAfter(end) || ok.get() + errors.get() >= maxSessions) {
            done.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        client.rewrite(DRAFT, "friendly").onComplete(result -> {
            if (result.succeeded()) {
                synchronized (latency) {
                    latency.recordValue((System.nanoTime() - t0) / 1000);
                }
                ok.incrementAndGet();
            } else {
                if (errors.incrementAndGet() <= 5)
                    System.err.println("session failed: " + result.cause().getMessage());
            }
            loop(client, end, latency, ok, errors, done);
        });
    }

    private static CompletableFuture<Completion> generate(BatchScheduler scheduler, int[] prompt, int tokens) {
        CompletableFuture<Completion> done = new CompletableFuture<>();
        scheduler.submit(
                prompt, SamplingParameters.greedy(tokens), Instant.now().plusSeconds(60), new TokenSink() {
                    @Override
                    public void onToken(int token, byte[] piece) {}

                    @Override
                    public void onFinish(Completion completion) {
                        done.complete(completion);
                    }
                });
        return done;
    }

    // --- --mode openai ---

    private int openAi(Vertx vertx, LocalDeployment deployment, CloisterClient client, MeterRegistry registry)
            throws Exception {
        OpenAiProxy proxy =
                OpenAiProxy.start(vertx, client, OpenAiProxy.Config.loopback(0)).await(30, TimeUnit.SECONDS);
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(proxy.port()),
                new PoolOptions().setHttp1MaxSize(concurrency));
        String model = deployment.modelId();
        Buffer body = Buffer.buffer("{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":" + tokens
                + ",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}");
        try {
            closedLoop(
                    () -> completion(http, body, new long[1]),
                    warmup,
                    new Histogram(3),
                    new AtomicLong(),
                    new AtomicLong());
            Histogram latency = new Histogram(3);
            AtomicLong ok = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            closedLoop(() -> completion(http, body, new long[1]), duration, latency, ok, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
            System.out.printf(
                    "openai completions through the proxy: %d in %.1f s = %.1f completions/s, %d errors;"
                            + " latency p50 %.1f ms, p99 %.1f ms; process CPU %.2f ms per completion"
                            + " (concurrency %d, %d enclaves, %d tokens streamed)%n",
                    ok.get(),
                    seconds,
                    ok.get() / seconds,
                    errors.get(),
                    latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3,
                    cpuSeconds * 1e3 / Math.max(1, ok.get()),
                    concurrency,
                    enclaves,
                    tokens);
            // Sequential, interleaved: the proxy and the SDK to the first streamed text; the enclave's own share.
            io.micrometer.core.instrument.Timer enclaveTtft =
                    registry.get("cloister.enclave.chat.first_token").timer();
            ChatCompletionRequest request = ChatCompletionRequest.of(
                            model,
                            java.util.List.of(
                                    new ChatCompletionRequest.Message(ChatCompletionRequest.Role.USER, PROMPT)))
                    .withMaxTokens(tokens)
                    .withSampling(0f, 1f, java.util.OptionalLong.empty())
                    .streamed(false);
            Histogram viaProxy = new Histogram(3);
            Histogram viaSdk = new Histogram(3);
            Histogram overhead = new Histogram(3);
            Histogram enclaveOwn = new Histogram(3);
            for (int i = 0; i < overheadSamples; i++) {
                long[] first = {0};
                long t0 = System.nanoTime();
                completion(http, body, first)
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(60, TimeUnit.SECONDS);
                viaProxy.recordValue((first[0] - t0) / 1000);

                double enclaveBefore = enclaveTtft.totalTime(TimeUnit.NANOSECONDS);
                long enclaveCount = enclaveTtft.count();
                long[] sdkFirst = {0};
                long t1 = System.nanoTime();
                client.chat(request, chunk -> {
                            if (sdkFirst[0] == 0 && hasText(chunk)) sdkFirst[0] = System.nanoTime();
                        })
                        .answer()
                        .await(60, TimeUnit.SECONDS);
                if (enclaveTtft.count() != enclaveCount + 1) throw new IllegalStateException("no enclave sample");
                long sdk = sdkFirst[0] - t1;
                long own = (long) (enclaveTtft.totalTime(TimeUnit.NANOSECONDS) - enclaveBefore);
                viaSdk.recordValue(sdk / 1000);
                enclaveOwn.recordValue(own / 1000);
                overhead.recordValue(Math.max(0, sdk - own) / 1000);
            }
            System.out.printf(
                    "proxy added latency to the first streamed text: p50 %.2f ms - %.2f ms = %.2f ms,"
                            + " p99 %.2f ms - %.2f ms = %.2f ms (proxy - SDK directly, %d sequential samples each,"
                            + " interleaved)%n",
                    viaProxy.getValueAtPercentile(50) / 1e3,
                    viaSdk.getValueAtPercentile(50) / 1e3,
                    (viaProxy.getValueAtPercentile(50) - viaSdk.getValueAtPercentile(50)) / 1e3,
                    viaProxy.getValueAtPercentile(99) / 1e3,
                    viaSdk.getValueAtPercentile(99) / 1e3,
                    (viaProxy.getValueAtPercentile(99) - viaSdk.getValueAtPercentile(99)) / 1e3,
                    overheadSamples);
            System.out.printf(
                    "time to first token, private path minus the enclave's own: p50 %.2f ms, p99 %.2f ms"
                            + " (SDK p50 %.2f ms, enclave's own p50 %.2f ms; per sample)%n",
                    overhead.getValueAtPercentile(50) / 1e3,
                    overhead.getValueAtPercentile(99) / 1e3,
                    viaSdk.getValueAtPercentile(50) / 1e3,
                    enclaveOwn.getValueAtPercentile(50) / 1e3);
            return errors.get() == 0 ? 0 : 1;
        } finally {
            http.close().await(10, TimeUnit.SECONDS);
            proxy.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static final String PROMPT = "Once upon a time";

    /**
     * CPU time of this whole process (every party of the deployment, the proxy and the load itself, native inference
     * threads included), from the operating system's accounting: robust where other work shares the machine.
     */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        throw new IllegalStateException("this JVM does not report its process CPU time");
    }

    // --- --mode padding ---

    /** One arm of the padding comparison: whether the client pads, and whether the answer streams. */
    private record Arm(String name, CloisterClient client, boolean streamed) {}

    /**
     * Closed loops of rewrites for each arm in turn (padded and unpadded clients, whole and streamed answers), for
     * {@code --rounds} rounds, each arm {@code --duration} per round; then the medians over the rounds of sessions/s
     * and of the p50 time to the first streamed text (the request sent to the first text delivered).
     */
    private int padding(LocalDeployment deployment, CloisterClient padded) throws Exception {
        try (CloisterClient unpadded =
                deployment.client().tokenBatch(64).noPadding().build()) {
            List<Arm> arms = List.of(
                    new Arm("whole, unpadded", unpadded, false),
                    new Arm("whole, padded", padded, false),
                    new Arm("streamed, unpadded", unpadded, true),
                    new Arm("streamed, padded", padded, true));
            java.util.Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
            java.util.Map<String, List<Double>> firstText = new java.util.LinkedHashMap<>();
            java.util.Map<String, List<Double>> p50s = new java.util.LinkedHashMap<>();
            for (Arm arm : arms)
                closedLoop(() -> rewrite(arm, null), warmup, new Histogram(3), new AtomicLong(), new AtomicLong());
            long failed = 0;
            for (int round = 0; round < rounds; round++) {
                for (Arm arm : arms) {
                    Histogram latency = new Histogram(3);
                    Histogram first = new Histogram(3);
                    AtomicLong ok = new AtomicLong();
                    AtomicLong errors = new AtomicLong();
                    long start = System.nanoTime();
                    closedLoop(() -> rewrite(arm, first), duration, latency, ok, errors);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    failed += errors.get();
                    rates.computeIfAbsent(arm.name(), k -> new ArrayList<>()).add(ok.get() / seconds);
                    p50s.computeIfAbsent(arm.name(), k -> new ArrayList<>())
                            .add(latency.getValueAtPercentile(50) / 1e3);
                    if (arm.streamed()) {
                        firstText
                                .computeIfAbsent(arm.name(), k -> new ArrayList<>())
                                .add(first.getValueAtPercentile(50) / 1e3);
                    }
                    System.out.printf(
                            "round %d, %s: %.1f sessions/s, %d errors, latency p50 %.1f ms, p99 %.1f ms%s%n",
                            round + 1,
                            arm.name(),
                            ok.get() / seconds,
                            errors.get(),
                            latency.getValueAtPercentile(50) / 1e3,
                            latency.getValueAtPercentile(99) / 1e3,
                            arm.streamed()
                                    ? String.format(", first text p50 %.1f ms", first.getValueAtPercentile(50) / 1e3)
                                    : "");
                }
            }
            for (Arm arm : arms) {
                System.out.printf(
                        "median of %d rounds, %s: %.1f sessions/s, latency p50 %.1f ms%s"
                                + " (concurrency %d, %d enclaves, %d tokens)%n",
                        rounds,
                        arm.name(),
                        median(rates.get(arm.name())),
                        median(p50s.get(arm.name())),
                        arm.streamed()
                                ? String.format(", first text p50 %.1f ms", median(firstText.get(arm.name())))
                                : "",
                        concurrency,
                        enclaves,
                        tokens);
            }
            return failed == 0 ? 0 : 1;
        }
    }

    private static Future<Void> rewrite(Arm arm, Histogram first) {
        long t0 = System.nanoTime();
        boolean[] seen = {false};
        return (arm.streamed()
                        ? arm.client().rewrite(DRAFT, "friendly", text -> {
                            if (!seen[0] && first != null) {
                                seen[0] = true;
                                synchronized (first) {
                                    first.recordValue((System.nanoTime() - t0) / 1000);
                                }
                            }
                        })
                        : arm.client().rewrite(DRAFT, "friendly"))
                .mapEmpty();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static boolean hasText(ChatCompletionChunk chunk) {
        return chunk.delta().map(d -> !d.content().isEmpty()).orElse(false);
    }

    /**
     * One streamed completion through the proxy, read to {@code [DONE]}; {@code first[0]} gets the time of the first
     * event with text.
     */
    private static Future<Void> completion(HttpClient http, Buffer body, long[] first) {
        return http.request(HttpMethod.POST, "/v1/chat/completions")
                .compose(request -> request.putHeader("content-type", "application/json")
                        .send(body)
                        .compose(response -> {
                            if (response.statusCode() != 200) {
                                return response.body()
                                        .compose(
                                                b -> Future.failedFuture("status " + response.statusCode() + ": " + b));
                            }
                            ServerSentEvents.Decoder events = new ServerSentEvents.Decoder(64 * 1024);
                            boolean[] done = {false};
                            Promise<Void> read = Promise.promise();
                            response.handler(buffer -> {
                                try {
                                    for (String data : events.offer(buffer.getBytes())) {
                                        if (data.equals(ServerSentEvents.DONE)) {
                                            done[0] = true;
                                        } else if (first[0] == 0 && hasText(ChatCompletionChunk.decode(data))) {
                                            first[0] = System.nanoTime();
                                        }
                                    }
                                } catch (Exception e) {
                                    read.tryFail(e);
                                }
                            });
                            response.exceptionHandler(read::tryFail);
                            response.endHandler(v -> {
                                if (done[0] && first[0] != 0) read.tryComplete();
                                else read.tryFail("the stream ended without text or [DONE]");
                            });
                            return read.future();
                        }));
    }

    private void closedLoop(
            java.util.function.Supplier<Future<Void>> session,
            Duration length,
            Histogram latency,
            AtomicLong ok,
            AtomicLong errors)
            throws Exception {
        Instant end = Instant.now().plus(length);
        CompletableFuture<?>[] loops = new CompletableFuture<?>[concurrency];
        for (int i = 0; i < concurrency; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops[i] = done;
            next(session, end, latency, ok, errors, done);
        }
        CompletableFuture.allOf(loops).get(length.toSeconds() + 120, TimeUnit.SECONDS);
    }

    private void next(
            java.util.function.Supplier<Future<Void>> session,
            Instant end,
            Histogram latency,
            AtomicLong ok,
            AtomicLong errors,
            CompletableFuture<Void> done) {
        if (Instant.now().isAfter(end) || ok.get() + errors.get() >= maxSessions) {
            done.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        session.get().onComplete(result -> {
            if (result.succeeded()) {
                synchronized (latency) {
                    latency.recordValue((System.nanoTime() - t0) / 1000);
                }
                ok.incrementAndGet();
            } else if (errors.incrementAndGet() <= 5) {
                System.err.println("completion failed: " + result.cause().getMessage());
            }
            next(session, end, latency, ok, errors, done);
        });
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SessionLoadDriver()).execute(args));
    }
}
