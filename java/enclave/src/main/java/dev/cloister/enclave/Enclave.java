package dev.cloister.enclave;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.EvidenceSource;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.nativecore.NativeEngine;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.SchedulerConfig;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * One enclave process's parts, created in order and closed in reverse: the model (native engine) and its scheduler,
 * the in-memory TLS identity with its evidence source, the RA-TLS server, and the verticle that serves sessions.
 * Closing zeroes the KV cache (every open sequence) and drops the TLS key.
 */
public final class Enclave implements AutoCloseable {

    /** How to start an enclave. */
    public record Settings(
            Path model,
            Path tokenizer,
            int threads,
            int maxSequences,
            int maxOutputTokens,
            Duration deadline,
            AttestationMode attestation,
            EnclaveVerticle.Config endpoint) {}

    private final InferenceEngine engine;
    private final BatchScheduler scheduler;
    private final EnclaveIdentity identity;
    private final EnclaveVerticle verticle;

    private Enclave(
            InferenceEngine engine, BatchScheduler scheduler, EnclaveIdentity identity, EnclaveVerticle verticle) {
        this.engine = engine;
        this.scheduler = scheduler;
        this.identity = identity;
        this.verticle = verticle;
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
        Tokenizer tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.read(settings.tokenizer()));
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
                    new SchedulerConfig(settings.maxSequences() * 4, Math.max(64, settings.maxSequences() * 2), 64));
            identity = EnclaveIdentity.generate(
                    evidence,
                    settings.attestation(),
                    EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                    Duration.ofSeconds(10),
                    clock,
                    random);
            RaTlsServer server = RaTlsServer.create(
                    identity,
                    List.of(KeyExchange.X25519, KeyExchange.X25519_MLKEM768),
                    new RaTlsServer.ClientAuthentication.None(),
                    Duration.ofSeconds(10),
                    clock,
                    random);
            Assistant assistant = new Assistant(
                    scheduler,
                    tokenizer,
                    engine.shape(),
                    new Assistant.Limits(settings.maxOutputTokens(), settings.deadline()));
            EnclaveVerticle verticle = new EnclaveVerticle(settings.endpoint(), server, assistant, registry, clock);
            vertx.deployVerticle(verticle).await(30, java.util.concurrent.TimeUnit.SECONDS);
            return new Enclave(engine, scheduler, identity, verticle);
        } catch (Exception | Error e) {
            if (identity != null) identity.close();
            if (scheduler != null) scheduler.close();
            engine.close();
            throw e;
        }
    }

    public EnclaveVerticle verticle() {
        return verticle;
    }

    public int port() {
        return verticle.actualPort();
    }

    /** Undeploys the endpoint first (no new bytes), then stops generation, zeroes the KV cache and drops the key. */
    public Future<Void> stop(Vertx vertx) {
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
