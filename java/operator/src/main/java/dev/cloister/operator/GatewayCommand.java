package dev.cloister.operator;

import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.gateway.Target;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloister gateway}: the Oblivious Gateway. */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description = "Run an Oblivious HTTP gateway: GET /ohttp-keys and POST /gateway.")
public final class GatewayCommand implements Callable<Integer> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GatewayCommand.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            converter = ListenArgument.class,
            description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(
            names = "--admin-listen",
            defaultValue = "127.0.0.1:9464",
            converter = ListenArgument.class,
            description = "HOST:PORT for /metrics and /health (default: ${DEFAULT-VALUE})")
    ListenAddress adminListen;

    @Option(
            names = "--echo",
            description = "Install the echo target (answers with the request body; /status/NNN answers NNN)")
    boolean echo;

    @Option(
            names = "--kem",
            defaultValue = "x25519",
            description = "Key type: x25519 or p256 (default: ${DEFAULT-VALUE})")
    String kem;

    @Option(
            names = "--key-lifetime",
            defaultValue = "PT24H",
            description = "How long each key is advertised (default: ${DEFAULT-VALUE})")
    Duration keyLifetime;

    @Option(
            names = "--key-ids",
            defaultValue = "ohttp-key-ids",
            description = "State file of the key ids handed out, so that a restart never reuses the id of a key "
                    + "clients may still hold (default: ${DEFAULT-VALUE})")
    java.nio.file.Path keyIds;

    @Option(names = "--instances", defaultValue = "0", description = "Verticle instances (default: one per core)")
    int instances;

    @Option(
            names = "--require-tokens",
            description = "Require a Privacy Pass token on every inner request (needs --token-seed-file)")
    boolean requireTokens;

    @Option(
            names = "--issuer-name",
            defaultValue = "issuer.cloister.invalid",
            description = "Issuer name in the token challenge")
    String issuerName;

    @Option(
            names = "--origin",
            defaultValue = "gateway.cloister.invalid",
            description = "Origin name in the token challenge")
    String origin;

    @Option(
            names = "--spent-tokens",
            defaultValue = "spent-tokens",
            paramLabel = "DIR",
            description = "Directory of the embedded spent-token store (default: ${DEFAULT-VALUE})")
    java.nio.file.Path spentTokens;

    @Option(names = "--redis", description = "Share spent tokens through Redis instead, e.g. redis://127.0.0.1:6379")
    String redis;

    @Option(
            names = "--ledger",
            description = "Publish every key configuration in this ledger (base URL) and serve "
                    + "the proofs at /ohttp-keys/proofs; needs --submitter-key")
    java.net.URI ledger;

    @Option(
            names = "--submitter-key",
            description = "The submitter secret key the ledger accepts (see 'ledger keygen')")
    java.nio.file.Path submitterKey;

    @Option(
            names = "--enclave",
            description =
                    "An enclave to attest and route sessions to, as ID=URL of its session "
                            + "endpoint (e.g. e1=http://127.0.0.1:9100/sessions/); repeatable. Turns on the session API (tokens required).")
    java.util.Map<String, java.net.URI> enclaves;

    @Option(
            names = "--release",
            description = "An accepted enclave measurement (hex SHA-384 launch digest); repeatable")
    java.util.List<String> releases;

    @Option(
            names = "--insecure-simulated-tee",
            paramLabel = "DIR",
            description =
                    "Accept enclaves on the simulated platform whose roots are in this directory (development only)")
    java.nio.file.Path simRoots;

    @picocli.CommandLine.Mixin
    TokenOptions tokens;

    @Override
    public Integer call() throws Exception {
        KemId kemId = switch (kem) {
            case "x25519" -> KemId.DHKEM_X25519_HKDF_SHA256;
            case "p256" -> KemId.DHKEM_P256_HKDF_SHA256;
            default ->
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kem must be x25519 or p256");
        };
        // Everything the command line can get wrong is checked before anything starts or is published.
        if (ledger != null && submitterKey == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--ledger needs --submitter-key");
        }
        if (ledger != null) Arguments.webUrl("--ledger", ledger);
        if (enclaves != null && !enclaves.isEmpty() && echo) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--enclave and --echo exclude each other");
        }
        if (enclaves != null && !enclaves.isEmpty()) {
            if (releases == null || releases.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(), "--enclave needs at least one --release measurement to accept");
            }
            enclaves.forEach((id, url) -> Arguments.webUrl("--enclave", url));
            accepted = releases.stream()
                    .map(r -> Arguments.hex("--release", r, 48))
                    .toList();
            simulated = simRoots == null ? null : SimulatedTeeRoots.open("--insecure-simulated-tee", simRoots);
        }
        if (keyLifetime.isNegative() || keyLifetime.isZero()) {
            throw new UsageException("--key-lifetime " + keyLifetime, "must be positive");
        }
        if (instances < 0) throw new UsageException("--instances " + instances, "must not be negative");
        var submitter = ledger == null ? null : Arguments.logSigner("--submitter-key", submitterKey);
        NodeRuntime runtime = NodeRuntime.create();
        try {
            return start(runtime, kemId, submitter);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
    }

    /** The releases {@code --release} accepts, and the simulated roots to trust (checked in {@link #call()}). */
    private java.util.List<byte[]> accepted;

    private SimulatedTeeRoots simulated;

    private int start(NodeRuntime runtime, KemId kemId, dev.cloister.ledger.note.Ed25519NoteSigner submitter)
            throws Exception {
        GatewayConfig config = GatewayConfig.defaults(listen)
                .withDecapsulation(
                        kemId == KemId.DHKEM_P256_HKDF_SHA256
                                ? GatewayConfig.Decapsulation.WORKER
                                : GatewayConfig.Decapsulation.EVENT_LOOP);
        KeyRotation rotation = new KeyRotation(
                kemId,
                keyLifetime,
                keyLifetime.dividedBy(4),
                keyLifetime.dividedBy(4),
                Clock.systemUTC(),
                new SecureRandom(),
                dev.cloister.operator.gateway.KeyIdReservations.open(keyIds));
        dev.cloister.operator.gateway.KeyPublication publication = null;
        if (ledger != null) {
            publication = new dev.cloister.operator.gateway.KeyPublication(
                    rotation,
                    new dev.cloister.server.ledger.LedgerPublisher(
                            io.vertx.ext.web.client.WebClient.create(runtime.vertx()),
                            ledger,
                            submitter,
                            Duration.ofSeconds(30)),
                    Clock.systemUTC());
            publication.publishMissing().await(60, TimeUnit.SECONDS);
        }
        dev.cloister.operator.gateway.KeyPublication published = publication;
        runtime.vertx()
                .setPeriodic(
                        60_000,
                        id -> runtime.vertx()
                                .executeBlocking(
                                        () -> {
                                            rotation.rotateIfDue(); // may record a key id reservation on disk: not on
                                            // the event loop
                                            return null;
                                        },
                                        false)
                                .onSuccess(v -> {
                                    if (published != null) published.publishMissing();
                                })
                                .onFailure(e -> LOG.error("key rotation failed; the current keys stay in use")));
        Target inner = echo
                ? new EchoTarget()
                : request -> Future.succeededFuture(BinaryResponse.of(404, FieldSection.EMPTY, new byte[0]));
        Target target = inner;
        if (requireTokens) {
            dev.cloister.tokens.keys.EpochKeySchedule schedule =
                    tokens.schedule(new dev.cloister.tokens.keys.PublishedByIssuer());
            dev.cloister.tokens.store.SpentTokenStore store = redis != null
                    ? new dev.cloister.operator.tokens.RedisSpentTokenStore(
                            runtime.vertx(), redis, schedule.schedule(), tokens.redemptionGrace, Duration.ofSeconds(2))
                    : dev.cloister.tokens.store.FileSpentTokenStore.open(spentTokens);
            target = new dev.cloister.operator.tokens.TokenGate(
                    runtime.vertx(),
                    inner,
                    schedule,
                    new dev.cloister.tokens.privacypass.PrivateTokenRedeemer(schedule, store),
                    dev.cloister.tokens.privacypass.TokenChallenge.of(
                            dev.cloister.tokens.privacypass.TokenType.VOPRF_P384_SHA384,
                            issuerName,
                            new byte[0],
                            java.util.List.of(origin)),
                    runtime.registry(),
                    Clock.systemUTC());
        }
        if (enclaves != null && !enclaves.isEmpty()) {
            target = sessionRouter(runtime);
        }
        Target chosen = target;
        int count = instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
        runtime.vertx()
                .deployVerticle(
                        () -> new GatewayVerticle(
                                config, rotation, published, chosen, runtime.registry(), Clock.systemUTC()),
                        new DeploymentOptions().setInstances(count).setThreadingModel(ThreadingModel.EVENT_LOOP))
                .compose(id -> runtime.vertx().deployVerticle(new AdminVerticle(adminListen, runtime.registry())))
                .await(30, TimeUnit.SECONDS);
        System.err.println("cloister gateway on " + listen + (echo ? " (echo target)" : "") + ", admin on "
                + adminListen
                + (requireTokens
                        ? "; token key multiples by " + dev.cloister.tokens.ec.AwsLcKeyMultiplier.engineDescription()
                        : ""));
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }

    /** The session API: tokens spent at session opening, attested enclaves only (re-attested every 30 s). */
    private Target sessionRouter(NodeRuntime runtime) throws Exception {
        dev.cloister.attest.sevsnp.SevSnpPolicy cpu;
        dev.cloister.attest.ratls.RaTlsPolicy.GpuRequirement gpu;
        SecureRandom random = new SecureRandom();
        if (simulated != null) {
            cpu = simulated.cpu();
            gpu = new dev.cloister.attest.ratls.RaTlsPolicy.RequireGpu(simulated.gpu(), Duration.ofMinutes(5));
        } else {
            cpu = dev.cloister.attest.sevsnp.SevSnpPolicy.genuineAmd();
            gpu = new dev.cloister.attest.ratls.RaTlsPolicy.RequireGpu(
                    dev.cloister.attest.nvgpu.NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5));
        }
        dev.cloister.attest.ratls.RaTlsPolicy policy =
                dev.cloister.attest.ratls.RaTlsPolicy.acceptingReleases(cpu, accepted, gpu);
        dev.cloister.tokens.keys.EpochKeySchedule schedule =
                tokens.schedule(new dev.cloister.tokens.keys.PublishedByIssuer());
        dev.cloister.tokens.store.SpentTokenStore store = redis != null
                ? new dev.cloister.operator.tokens.RedisSpentTokenStore(
                        runtime.vertx(), redis, schedule.schedule(), tokens.redemptionGrace, Duration.ofSeconds(2))
                : dev.cloister.tokens.store.FileSpentTokenStore.open(spentTokens);
        dev.cloister.tokens.privacypass.TokenChallenge challenge = dev.cloister.tokens.privacypass.TokenChallenge.of(
                dev.cloister.tokens.privacypass.TokenType.VOPRF_P384_SHA384,
                issuerName,
                new byte[0],
                java.util.List.of(origin));
        io.vertx.ext.web.client.WebClient web = io.vertx.ext.web.client.WebClient.create(runtime.vertx());
        dev.cloister.operator.sessions.EnclavePool pool = new dev.cloister.operator.sessions.EnclavePool(random);
        dev.cloister.operator.sessions.SessionRouter router = new dev.cloister.operator.sessions.SessionRouter(
                pool,
                new dev.cloister.operator.sessions.SessionHandles(
                        random, Clock.systemUTC(), Duration.ofSeconds(30), 100_000),
                web,
                runtime.vertx().createHttpClient(),
                Duration.ofSeconds(30),
                open -> new dev.cloister.operator.tokens.TokenGate(
                        runtime.vertx(),
                        open,
                        schedule,
                        new dev.cloister.tokens.privacypass.PrivateTokenRedeemer(schedule, store),
                        challenge,
                        runtime.registry(),
                        Clock.systemUTC()),
                runtime.registry());
        dev.cloister.operator.sessions.EnclaveRegistration registration =
                new dev.cloister.operator.sessions.EnclaveRegistration(
                        runtime.vertx(),
                        web,
                        pool,
                        dev.cloister.attest.ratls.RaTlsClient.create(
                                policy,
                                dev.cloister.attest.AttestationVerifier.create(),
                                dev.cloister.attest.ratls.KeyExchange.X25519,
                                java.util.Optional.empty(),
                                Duration.ofSeconds(10),
                                Clock.systemUTC(),
                                random),
                        Duration.ofSeconds(10),
                        Clock.systemUTC());
        // Each enclave's first attestation ends (admitted or not) before the gateway listens: once it answers, it
        // routes to every enclave that passed. Each check gives up after its own timeout (10 s).
        java.util.List<Future<EnclavePool.Member>> first = enclaves.entrySet().stream()
                .map(e -> registration.register(e.getKey(), e.getValue()))
                .toList();
        Future.join(first).otherwiseEmpty().await(30, TimeUnit.SECONDS);
        registration.recheckEvery(Duration.ofSeconds(30));
        return router;
    }
}
