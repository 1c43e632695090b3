package dev.cloister.enclave;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.EvidenceSource;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.chat.ChatTemplate;
import dev.cloister.infer.chat.GgufChatTemplate;
import dev.cloister.infer.chat.PlainChatTemplate;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.nativecore.NativeEngine;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.SchedulerConfig;
import dev.cloister.infer.scheduler.SchedulerStats;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One enclave process's parts, created in order and closed in reverse: the model (native engine) and its scheduler,
 * the in-memory TLS identity with its evidence source, the RA-TLS server, and the verticle that serves sessions.
 * Closing zeroes the KV cache (every open sequence) and drops the TLS key.
 */
public final class Enclave implements AutoCloseable {

    /**
     * How to start an enclave.
     *
     * @param tlsKeyLifetime how long one RA-TLS key serves new handshakes before a new one replaces it
     * @param maxPause how long an answer may stay paused for a reader that does not take it before it ends (STALLED)
     */
    public record Settings(
            Path model,
            Path tokenizer,
            int threads,
            int maxSequences,
            int maxOutputTokens,
            Duration deadline,
            AttestationMode attestation,
            EnclaveVerticle.Config endpoint,
            Duration tlsKeyLifetime,
            Duration maxPause) {

        /** Answers paused at most {@link SchedulerConfig#DEFAULT_MAX_PAUSE} for a reader that does not take them. */
        public Settings(
                Path model,
                Path tokenizer,
                int threads,
                int maxSequences,
                int maxOutputTokens,
                Duration deadline,
                AttestationMode attestation,
                EnclaveVerticle.Config endpoint,
                Duration tlsKeyLifetime) {
            this(
                    model,
                    tokenizer,
                    threads,
                    maxSequences,
                    maxOutputTokens,
                    deadline,
                    attestation,
                    endpoint,
                    tlsKeyLifetime,
                    SchedulerConfig.DEFAULT_MAX_PAUSE);
        }

        /** With the RA-TLS key replaced every {@link EnclaveIdentity#DEFAULT_KEY_LIFETIME}. */
        public Settings(
                Path model,
                Path tokenizer,
                int threads,
                int maxSequences,
                int maxOutputTokens,
                Duration deadline,
                AttestationMode attestation,
                EnclaveVerticle.Config endpoint) {
            this(
                    model,
                    tokenizer,
                    threads,
                    maxSequences,
                    maxOutputTokens,
                    deadline,
                    attestation,
                    endpoint,
                    EnclaveIdentity.DEFAULT_KEY_LIFETIME);
        }
    }

    /** How often the enclave checks whether its RA-TLS key is due for replacement, at most. */
    private static final Duration ROTATION_CHECK = Duration.ofSeconds(60);

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final InferenceEngine engine;
    private final BatchScheduler scheduler;
    private final EnclaveIdentity identity;
    private final EnclaveVerticle verticle;
    private final long rotationTimer;

    private Enclave(
            InferenceEngine engine,
            BatchScheduler scheduler,
            EnclaveIdentity identity,
            EnclaveVerticle verticle,
            long rotationTimer) {
        this.engine = engine;
        this.scheduler = scheduler;
        this.identity = identity;
        this.verticle = verticle;
        this.rotationTimer = rotationTimer;
    }

    /** Loads the model, makes the TLS identity and deploys the endpoint. Blocking (model load): not on an event loop. */
    public static Enclave start(
            Vertx vertx,
            Settings settings,
            EvidenceSource evidence,
            MeterRegistry registry,
            Clock clock,
            SecureRandom random)
            throws Exception {
        Tokenizer tokenizer;
        ChatTemplate template;
        if (settings.tokenizer() == null) {
            // A GGUF file carries its vocabulary and its chat template.
            GgufFile gguf = GgufFile.open(settings.model());
            tokenizer = GgufVocabulary.tokenizer(gguf);
            template = GgufChatTemplate.of(gguf);
        } else {
            tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.read(settings.tokenizer()));
            template = PlainChatTemplate.INSTANCE;
        }
        NativeEngine engine = NativeEngine.open(
                settings.model(),
                NativeEngine.Options.defaults()
                        .withThreads(settings.threads())
                        .withMaxSequences(settings.maxSequences()));
        BatchScheduler scheduler = null;
        EnclaveIdentity identity = null;
        try {
            scheduler = BatchScheduler.start(
                    engine,
                    tokenizer,
                    new SchedulerConfig(
                            settings.maxSequences() * 4,
                            Math.max(64, settings.maxSequences() * 2),
                            64,
                            settings.maxPause()));
            identity = EnclaveIdentity.generate(
                    evidence,
                    settings.attestation(),
                    EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                    Duration.ofSeconds(10),
                    settings.tlsKeyLifetime(),
                    clock,
                    random);
            RaTlsServer server = RaTlsServer.create(
                    identity,
                    List.of(KeyExchange.X25519_MLKEM768, KeyExchange.X25519),
                    new RaTlsServer.ClientAuthentication.None(),
                    Duration.ofSeconds(10),
                    clock,
                    random);
            Assistant assistant = new Assistant(
                    scheduler,
                    tokenizer,
                    engine.shape(),
                    new PromptBuilder(template),
                    modelId(settings.model()),
                    new Assistant.Limits(settings.maxOutputTokens(), settings.deadline()));
            registerSchedulerMetrics(scheduler, registry);
            EnclaveVerticle verticle = new EnclaveVerticle(settings.endpoint(), server, assistant, registry, clock);
            vertx.deployVerticle(verticle).await(30, java.util.concurrent.TimeUnit.SECONDS);
            // Handshakes rotate a due key themselves; the timer replaces it in an idle enclave too (an Ed25519 key
            // generation: no blocking work).
            EnclaveIdentity rotating = identity;
            long every = Math.max(
                    1000,
                    Math.min(
                            ROTATION_CHECK.toMillis(),
                            settings.tlsKeyLifetime().dividedBy(4).toMillis()));
            long timer = vertx.setPeriodic(every, t -> rotating.rotateIfDue());
            return new Enclave(engine, scheduler, identity, verticle, timer);
        } catch (Exception | Error e) {
            if (identity != null) identity.close();
            if (scheduler != null) scheduler.close();
            engine.close();
            throw e;
        }
    }

    /** The model's name as {@code /v1/models} lists it: its file name without the extension. */
    public static String modelId(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * The scheduler's counts as metrics, tagged with this enclave's number in the process (several share one registry
     * in the loopback deployment): generations cancelled (the caller went away or the session ended mid-answer), and
     * the sequences open now (each holds KV-cache blocks until it is closed and zeroed), those paused now because their
     * reader fell behind, and the generations ended because their reader stopped reading.
     */
    private static void registerSchedulerMetrics(BatchScheduler scheduler, MeterRegistry registry) {
        Tags tags = Tags.of("enclave", Integer.toString(INSTANCES.getAndIncrement()));
        FunctionCounter.builder(
                        "cloister.enclave.generations.cancelled",
                        scheduler,
                        s -> s.stats().cancelled())
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(
                        "cloister.enclave.generations.finished",
                        scheduler,
                        s -> s.stats().finished())
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "cloister.enclave.sequences.open",
                        scheduler,
                        s -> s.stats().active())
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "cloister.enclave.sequences.paused",
                        scheduler,
                        s -> s.stats().paused())
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(
                        "cloister.enclave.generations.stalled",
                        scheduler,
                        s -> s.stats().stalled())
                .tags(tags)
                .register(registry);
    }

    /** The scheduler's counters (tests read the cancelled generations and open sequences here too). */
    public SchedulerStats schedulerStats() {
        return scheduler.stats();
    }

    public EnclaveVerticle verticle() {
        return verticle;
    }

    public int port() {
        return verticle.actualPort();
    }

    /** Undeploys the endpoint first (no new bytes), then stops generation, zeroes the KV cache and drops the key. */
    public Future<Void> stop(Vertx vertx) {
        vertx.cancelTimer(rotationTimer);
        return vertx.undeploy(verticle.deploymentID()).eventually(() -> {
            close();
            return Future.succeededFuture();
        });
    }

    @Override
    public void close() {
        scheduler.close();
        engine.close();
        identity.close();
    }
}
