package dev.cloister.operator;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.ratls.AcceptedCpuPlatforms;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.entry.TdxRuntime;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.KeyIdReservations;
import dev.cloister.operator.gateway.KeyPublication;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.sessions.RedisSessionHandles;
import dev.cloister.operator.tokens.RedisSpentTokenStore;
import dev.cloister.protocol.membership.GatewayAuthorization;
import dev.cloister.protocol.membership.MemberAnnouncement;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.tokens.ec.AwsLcKeyMultiplier;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.PublishedByIssuer;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.tokens.store.FileSpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.wire.hpke.HpkeEngine;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.hpke.X25519Engine;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cloister gateway}: the Oblivious Gateway. */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description = "Run an Oblivious HTTP gateway: GET /ohttp-keys and POST /gateway.")
public final class GatewayCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayCommand.class);

    @Spec
    CommandSpec spec;

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
    Path keyIds;

    @Option(
            names = "--key-seed-file",
            description = "Derive the OHTTP keys from the seed in this file (at least 32 secret bytes) instead of "
                    + "generating them: gateway replicas given the same file serve the same keys, and a restarted "
                    + "replica the same key again (--key-ids is then not used)")
    Path keySeedFile;

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
    Path spentTokens;

    @Option(names = "--redis", description = "Share spent tokens through Redis instead, e.g. redis://127.0.0.1:6379")
    String redis;

    @Option(
            names = "--ledger",
            description = "Publish every key configuration in this ledger (base URL) and serve "
                    + "the proofs at /ohttp-keys/proofs; needs --submitter-key")
    URI ledger;

    @Option(
            names = "--submitter-key",
            description = "The submitter secret key the ledger accepts (see 'ledger keygen')")
    Path submitterKey;

    @Option(
            names = "--enclave",
            description =
                    "An enclave to attest and route sessions to, as ID=URL of its session "
                            + "endpoint (e.g. e1=http://127.0.0.1:9100/sessions/); repeatable. Turns on the session API (tokens required).")
    Map<String, URI> enclaves;

    @Option(
            names = "--release",
            description = "An accepted enclave measurement (hex SHA-384 launch digest); repeatable")
    List<String> releases;

    @Option(
            names = "--tdx-release",
            paramLabel = "MRTD:RTMR0:RTMR1:RTMR2",
            description = "With --cpu-platform tdx or any: an accepted TD's registers (four 96-hex values: MRTD and"
                    + " RTMR0 of its host platform, RTMR1 and RTMR2 of its release); repeatable")
    List<String> tdxReleases;

    @Option(
            names = "--cpu-platform",
            defaultValue = "sev-snp",
            description = "The CPU TEEs enclaves may attest with: sev-snp (--release launch digests), tdx"
                    + " (--tdx-release registers, TCB status UpToDate) or any (default: ${DEFAULT-VALUE})")
    String cpuPlatform;

    @Option(
            names = "--insecure-simulated-tee",
            paramLabel = "DIR",
            description =
                    "Accept enclaves on the simulated platform whose roots are in this directory (development only)")
    Path simRoots;

    @Option(
            names = "--session-key-file",
            description =
                    "Keep session handles in Redis (needs --redis), so that gateway replicas serve any step of any "
                            + "session; this file holds the key the replicas share (at least 32 secret bytes). Without it, "
                            + "handles stay in this process.")
    Path sessionKeyFile;

    @Option(
            names = "--members-listen",
            converter = ListenArgument.class,
            description = "HOST:PORT of the internal endpoint where enclaves register and heartbeat (POST "
                    + "/v1/enclaves); turns on the session API; needs --session-key-file and --members-secret-file. "
                    + "Serve it on the private network only.")
    ListenAddress membersListen;

    @Option(
            names = "--members-secret-file",
            description = "File with the secret the enclaves authenticate their registrations with (at least 32 bytes)")
    Path membersSecretFile;

    @Option(
            names = "--member-ttl",
            defaultValue = "PT30S",
            description = "How long a registered enclave stays without a heartbeat (default: ${DEFAULT-VALUE})")
    Duration memberTtl;

    @Option(
            names = "--enclave-secret-file",
            description = "File with the secret the enclaves' --gateway-secret-file holds (at least 32 bytes): every "
                    + "request to an enclave's session endpoint carries an HMAC of it. Needed for enclaves that listen "
                    + "on anything but a private address.")
    Path enclaveSecretFile;

    @Mixin
    TokenOptions tokens;

    @Override
    public Integer call() throws Exception {
        KemId kemId = switch (kem) {
            case "x25519" -> KemId.DHKEM_X25519_HKDF_SHA256;
            case "p256" -> KemId.DHKEM_P256_HKDF_SHA256;
            default -> throw new ParameterException(spec.commandLine(), "--kem must be x25519 or p256");
        };
        // Everything the command line can get wrong is checked before anything is written, starts or is published.
        if (ledger != null && submitterKey == null) {
            throw new ParameterException(spec.commandLine(), "--ledger needs --submitter-key");
        }
        if (ledger != null) Arguments.webUrl("--ledger", ledger);
        if (sessionKeyFile != null && redis == null) {
            throw new ParameterException(spec.commandLine(), "--session-key-file needs --redis");
        }
        if (membersListen != null && (sessionKeyFile == null || membersSecretFile == null)) {
            throw new ParameterException(
                    spec.commandLine(), "--members-listen needs --session-key-file and --members-secret-file");
        }
        if (memberTtl.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new UsageException("--member-ttl " + memberTtl, "must be at least 3 seconds");
        }
        boolean sessions = (enclaves != null && !enclaves.isEmpty()) || membersListen != null;
        if (sessions && echo) {
            throw new ParameterException(spec.commandLine(), "--enclave and --echo exclude each other");
        }
        AcceptedCpuPlatforms.Choice platforms = CpuPlatformOption.parse(cpuPlatform);
        List<byte[]> accepted = List.of();
        List<TdxReleaseReferenceValues> acceptedTdx = List.of();
        SimulatedTeeRoots simulated = null;
        if (sessions) {
            if (platforms.acceptsSevSnp() && (releases == null || releases.isEmpty())) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--enclave and --members-listen need at least one --release measurement to accept");
            }
            if (!platforms.acceptsSevSnp() && releases != null && !releases.isEmpty()) {
                throw new UsageException("--release", "names SEV-SNP launch digests, which --cpu-platform tdx refuses");
            }
            if (platforms.acceptsTdx() && (tdxReleases == null || tdxReleases.isEmpty())) {
                throw new UsageException(
                        AcceptedCpuPlatforms.OPTION + " " + platforms, "needs at least one --tdx-release to accept");
            }
            if (enclaves != null) enclaves.forEach((id, url) -> Arguments.webUrl("--enclave", url));
            accepted = releases == null
                    ? List.of()
                    : releases.stream()
                            .map(r -> Arguments.hex("--release", r, 48))
                            .toList();
            acceptedTdx = tdxReleases == null
                    ? List.of()
                    : tdxReleases.stream().map(GatewayCommand::tdxRelease).toList();
            simulated =
                    simRoots == null ? null : SimulatedTeeRoots.open("--insecure-simulated-tee", simRoots, platforms);
        }
        if (tdxReleases != null && !tdxReleases.isEmpty() && !(sessions && platforms.acceptsTdx())) {
            throw new UsageException(
                    "--tdx-release", "needs --cpu-platform tdx or any, and --enclave or --members-listen");
        }
        if (keyLifetime.isNegative() || keyLifetime.isZero()) {
            throw new UsageException("--key-lifetime " + keyLifetime, "must be positive");
        }
        if (instances < 0) throw new UsageException("--instances " + instances, "must not be negative");
        SecretBytes handleKey = sessionKeyFile == null
                ? null
                : secretFile("--session-key-file", sessionKeyFile, RedisSessionHandles.MIN_KEY_BYTES);
        if (enclaveSecretFile != null && !sessions) {
            throw new ParameterException(
                    spec.commandLine(), "--enclave-secret-file needs --enclave or --members-listen");
        }
        Optional<GatewayAuthorization> enclaveCredential = Optional.empty();
        if (enclaveSecretFile != null) {
            SecretBytes held =
                    secretFile("--enclave-secret-file", enclaveSecretFile, GatewayAuthorization.MIN_SECRET_BYTES);
            byte[] secret = held.reveal();
            try {
                enclaveCredential = Optional.of(GatewayAuthorization.of(secret, Clock.systemUTC()));
            } finally {
                Arrays.fill(secret, (byte) 0);
                held.destroy();
            }
        }
        SecretBytes keySeed = keySeedFile == null ? null : secretFile("--key-seed-file", keySeedFile, 32);
        SecretBytes membersSecret = membersSecretFile == null
                ? null
                : secretFile("--members-secret-file", membersSecretFile, MemberAnnouncement.MIN_SECRET_BYTES);
        Ed25519NoteSigner submitter = ledger == null ? null : Arguments.logSigner("--submitter-key", submitterKey);
        EpochKeySchedule tokenKeys = requireTokens || sessions ? tokens.schedule(new PublishedByIssuer()) : null;
        NodeRuntime runtime = NodeRuntime.create();
        try {
            return start(
                    runtime,
                    kemId,
                    submitter,
                    tokenKeys,
                    sessions ? attestation(platforms, accepted, acceptedTdx, simulated) : null,
                    handleKey,
                    membersSecret,
                    enclaveCredential,
                    keySeed);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
    }

    private int start(
            NodeRuntime runtime,
            KemId kemId,
            Ed25519NoteSigner submitter,
            EpochKeySchedule tokenKeys,
            RaTlsClient attestation,
            SecretBytes handleKey,
            SecretBytes membersSecret,
            Optional<GatewayAuthorization> enclaveCredential,
            SecretBytes keySeed)
            throws Exception {
        GatewayConfig config = GatewayConfig.defaults(listen)
                .withDecapsulation(
                        kemId == KemId.DHKEM_P256_HKDF_SHA256
                                ? GatewayConfig.Decapsulation.WORKER
                                : GatewayConfig.Decapsulation.EVENT_LOOP);
        KeyRotation rotation = keySeed != null
                ? KeyRotation.derived(
                        kemId,
                        keyLifetime,
                        keyLifetime.dividedBy(4),
                        keyLifetime.dividedBy(4),
                        Clock.systemUTC(),
                        keySeed)
                : new KeyRotation(
                        kemId,
                        keyLifetime,
                        keyLifetime.dividedBy(4),
                        keyLifetime.dividedBy(4),
                        Clock.systemUTC(),
                        new SecureRandom(),
                        KeyIdReservations.open(keyIds));
        Optional<KeyPublication> publication = Optional.empty();
        if (ledger != null) {
            KeyPublication published = new KeyPublication(
                    rotation,
                    new LedgerPublisher(WebClient.create(runtime.vertx()), ledger, submitter, Duration.ofSeconds(30)),
                    Clock.systemUTC());
            published.publishMissing().await(60, TimeUnit.SECONDS);
            publication = Optional.of(published);
        }
        Optional<KeyPublication> published = publication;
        runtime.vertx()
                .setPeriodic(
                        60_000,
                        id -> runtime.vertx()
                                .executeBlocking(
                                        () -> {
                                            // may record a key id reservation on disk: not on the event loop
                                            rotation.rotateIfDue();
                                            return null;
                                        },
                                        false)
                                .onSuccess(v -> published.ifPresent(KeyPublication::publishMissing))
                                .onFailure(e -> LOG.error("key rotation failed; the current keys stay in use")));
        Optional<GatewayDeployment.TokenRedemption> redemption = tokenKeys == null
                ? Optional.empty()
                : Optional.of(new GatewayDeployment.TokenRedemption(
                        tokenKeys, spentTokenStore(runtime, tokenKeys), challenge()));
        GatewayDeployment.Service service;
        if (attestation != null) {
            Optional<GatewayDeployment.Replicated> replicated = Optional.empty();
            if (handleKey != null) {
                Optional<GatewayDeployment.Membership> membership = Optional.empty();
                if (membersSecret != null) {
                    byte[] secret = membersSecret.reveal();
                    try {
                        membership = Optional.of(new GatewayDeployment.Membership(
                                membersListen,
                                new SecretKeySpec(secret, "HmacSHA256"),
                                memberTtl,
                                memberTtl.dividedBy(3)));
                    } finally {
                        Arrays.fill(secret, (byte) 0);
                    }
                }
                replicated = Optional.of(new GatewayDeployment.Replicated(
                        Redis.createClient(
                                runtime.vertx(),
                                new RedisOptions()
                                        .setConnectionString(redis)
                                        .setMaxPoolSize(16)
                                        .setMaxPoolWaiting(1024)),
                        handleKey,
                        membership));
            }
            service = new GatewayDeployment.Sessions(
                    redemption.orElseThrow(),
                    enclaves == null ? Map.of() : enclaves,
                    attestation,
                    Duration.ofSeconds(30),
                    100_000,
                    replicated,
                    enclaveCredential);
        } else if (echo) {
            service = new GatewayDeployment.Echo(requireTokens ? redemption : Optional.empty());
        } else {
            service = new GatewayDeployment.NoOrigin(requireTokens ? redemption : Optional.empty());
        }
        int count = instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
        GatewayDeployment.deploy(
                        runtime.vertx(),
                        new GatewayDeployment.Config(config, rotation, publication, service, count),
                        runtime.registry(),
                        Clock.systemUTC(),
                        new SecureRandom())
                .compose(gateway -> runtime.vertx().deployVerticle(new AdminVerticle(adminListen, runtime.registry())))
                .await(60, TimeUnit.SECONDS);
        System.err.println("cloister gateway on " + listen + (echo ? " (echo target)" : "") + ", admin on "
                + adminListen
                + "; HPKE by " + HpkeEngine.description() + ", X25519 by " + X25519Engine.description()
                + (tokenKeys != null ? "; token key multiples by " + AwsLcKeyMultiplier.engineDescription() : ""));
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }

    private SpentTokenStore spentTokenStore(NodeRuntime runtime, EpochKeySchedule tokenKeys) throws Exception {
        return redis != null
                ? new RedisSpentTokenStore(
                        runtime.vertx(), redis, tokenKeys.schedule(), tokens.redemptionGrace, Duration.ofSeconds(2))
                : FileSpentTokenStore.open(spentTokens);
    }

    /** A secret of at least {@code min} bytes from a file (read once, then held as key material). */
    private static SecretBytes secretFile(String option, Path file, int min) throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        if (bytes.length < min) {
            Arrays.fill(bytes, (byte) 0);
            throw new UsageException(option + " " + file, "holds fewer than " + min + " bytes");
        }
        return SecretBytes.takeFrom(bytes);
    }

    private TokenChallenge challenge() {
        return TokenChallenge.of(TokenType.VOPRF_P384_SHA384, issuerName, new byte[0], List.of(origin));
    }

    /**
     * {@code --tdx-release MRTD:RTMR0:RTMR1:RTMR2}: one accepted TD's registers (its host platform's MRTD and RTMR0, its
     * release's RTMR1 and RTMR2), named after the option's value in verdicts.
     */
    static TdxReleaseReferenceValues tdxRelease(String value) {
        String[] parts = value.split(":", -1);
        if (parts.length != 4) {
            throw new UsageException("--tdx-release " + value, "want MRTD:RTMR0:RTMR1:RTMR2 (four 96-hex values)");
        }
        List<Bytes> registers = Arrays.stream(parts)
                .map(p -> Bytes.of(Arguments.hex("--tdx-release " + value + ":", p, 48)))
                .toList();
        return new TdxReleaseReferenceValues(
                "--tdx-release",
                new TdxPlatform("--tdx-release", "--tdx-release", registers.get(0), registers.get(1)),
                new TdxRuntime(registers.get(2), registers.get(3)));
    }

    /**
     * The RA-TLS client that attests each enclave before it joins the pool (re-attested every 30 s): SEV-SNP reports of
     * the {@code accepted} launch digests, TDX quotes of the {@code acceptedTdx} registers with TCB status UpToDate, or
     * either, as {@code platforms} says; one GPU each.
     */
    private static RaTlsClient attestation(
            AcceptedCpuPlatforms.Choice platforms,
            List<byte[]> accepted,
            List<TdxReleaseReferenceValues> acceptedTdx,
            SimulatedTeeRoots simulated) {
        SevSnpPolicy cpu;
        AcceptedCpuPlatforms accepting;
        RaTlsPolicy.GpuRequirement gpu;
        if (simulated != null) {
            cpu = simulated.cpu();
            accepting = simulated.accepted(platforms);
            gpu = new RaTlsPolicy.RequireGpu(simulated.gpu(), Duration.ofMinutes(5));
        } else {
            cpu = SevSnpPolicy.genuineAmd();
            accepting = platforms.with(Optional.of(CpuPlatformOption.genuineIntelUpToDate()));
            gpu = new RaTlsPolicy.RequireGpu(NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5));
        }
        RaTlsPolicy policy = accepting.policy(cpu, accepted, acceptedTdx, gpu);
        return RaTlsClient.create(
                policy,
                AttestationVerifier.create(),
                KeyExchange.X25519,
                Optional.empty(),
                Duration.ofSeconds(10),
                Clock.systemUTC(),
                new SecureRandom());
    }
}
