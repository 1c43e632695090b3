package dev.cloister.cli.demo;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.enclave.AnswerPadding;
import dev.cloister.enclave.Enclave;
import dev.cloister.enclave.EnclaveVerticle;
import dev.cloister.enclave.ReleaseMeasurement;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.ledgerserver.WitnessVerticle;
import dev.cloister.operator.GatewayDeployment;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyPublication;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.keys.KeyDirectoryVerticle;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.sessions.EnclaveRegistration;
import dev.cloister.operator.tokens.AccountFile;
import dev.cloister.operator.tokens.IssuerKeyPublication;
import dev.cloister.operator.tokens.IssuerVerticle;
import dev.cloister.relay.RelayConfig;
import dev.cloister.relay.RelayVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import dev.cloister.tokens.store.FileSpentTokenStore;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.wire.hpke.KemId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Every party of the private session on loopback, in one Vert.x instance (the demo, the end-to-end tests and the load
 * driver): a ledger with two witnesses, the issuer, the gateway (key publication, token gate, session router, enclave
 * pool), the key directory, the relay, and enclaves on the simulated SEV-SNP + GPU platform running the given model.
 * Each party is the same verticle the separate {@code cloister} commands run; only the wiring is here.
 */
public final class LocalDeployment implements AutoCloseable {

    public static final String ACCOUNT = "demo-app-credential-0001";
    public static final String ISSUER_NAME = "issuer.cloister.invalid";
    public static final String ORIGIN = "gateway.cloister.invalid";
    private static final String LOG_ORIGIN = "ledger.cloister.invalid/demo";

    /** Which CPU the simulated enclaves run on. */
    public enum SimulatedCpu {
        SEV_SNP,
        TDX
    }

    /**
     * What to start.
     *
     * @param simRoots where the simulated vendor roots are kept (created at first use: RSA-4096 keys take seconds), or
     *                 null for a directory inside the deployment's
     */
    public record Options(
            Path model,
            Path tokenizer,
            int enclaves,
            int threadsPerEnclave,
            int maxOutputTokens,
            AttestationMode attestation,
            Path simRoots,
            double relayRate,
            Duration deadline,
            AnswerPadding padding,
            SimulatedCpu cpu,
            Duration sessionIdle) {
        public static Options of(Path model, Path tokenizer) {
            return new Options(
                    model,
                    tokenizer,
                    2,
                    1,
                    64,
                    new AttestationMode.PerHandshake(),
                    null,
                    100,
                    Duration.ofSeconds(60),
                    AnswerPadding.DEFAULT,
                    SimulatedCpu.SEV_SNP,
                    Duration.ofSeconds(30));
        }

        /** How long an enclave lets one answer run before it cuts it short (default: a minute). */
        public Options withDeadline(Duration d) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    relayRate,
                    d,
                    padding,
                    cpu,
                    sessionIdle);
        }

        /** Requests per second the relay allows one client address (all of loopback is one address). */
        public Options withRelayRate(double rate) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    rate,
                    deadline,
                    padding,
                    cpu,
                    sessionIdle);
        }

        public Options withEnclaves(int n) {
            return new Options(
                    model,
                    tokenizer,
                    n,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    relayRate,
                    deadline,
                    padding,
                    cpu,
                    sessionIdle);
        }

        public Options withMaxOutputTokens(int n) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    n,
                    attestation,
                    simRoots,
                    relayRate,
                    deadline,
                    padding,
                    cpu,
                    sessionIdle);
        }

        public Options withAttestation(AttestationMode mode) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    mode,
                    simRoots,
                    relayRate,
                    deadline,
                    padding,
                    cpu,
                    sessionIdle);
        }

        public Options withSimRoots(Path dir) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    dir,
                    relayRate,
                    deadline,
                    padding,
                    cpu,
                    sessionIdle);
        }

        /** How enclaves pad the answers clients ask to have padded (default: {@link AnswerPadding#DEFAULT}). */
        public Options withPadding(AnswerPadding p) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    relayRate,
                    deadline,
                    p,
                    cpu,
                    sessionIdle);
        }

        /**
         * The enclaves' simulated CPU: SEV-SNP (default) or TDX (a TD on the simulated TDX platform; the release
         * names its TDX platform and clients accept TDX).
         */
        public Options withSimulatedCpu(SimulatedCpu c) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    relayRate,
                    deadline,
                    padding,
                    c,
                    sessionIdle);
        }

        /**
         * How long an enclave keeps a session that waits between steps (default: 30 s); an answer in progress is never
         * idle.
         */
        public Options withSessionIdle(Duration idle) {
            return new Options(
                    model,
                    tokenizer,
                    enclaves,
                    threadsPerEnclave,
                    maxOutputTokens,
                    attestation,
                    simRoots,
                    relayRate,
                    deadline,
                    padding,
                    cpu,
                    idle);
        }
    }

    private final Vertx vertx;
    private final Path dir;
    private final MeterRegistry registry;
    private final Clock clock = Clock.systemUTC();
    private final SecureRandom random = new SecureRandom();
    private final List<Enclave> enclaves = new ArrayList<>();
    private final List<String> enclaveIds = new ArrayList<>();
    /**
     * The secret the gateway and the enclaves share, as {@code --enclave-secret-file} and {@code --gateway-secret-file}
     * would give it: the enclaves' session endpoints answer the gateway only.
     */
    private final dev.cloister.protocol.membership.GatewayAuthorization gatewayCredential = gatewayCredential();

    private Ed25519NoteSigner logKey;
    private final List<Cosigner> cosigners = new ArrayList<>();
    private URI relay;
    private URI ledgerUrl;
    private URI keyDirectory;
    private URI issuer;
    private URI gatewayBase;
    private GatewayDeployment gateway;
    private RaTlsPolicy attestationPolicy;
    private AttestationVerifier verifier;
    private byte[] measurement;
    private SimulatedSevSnpPlatform cpu;
    /** With {@link SimulatedCpu#TDX}: the simulated TDX platform, the TD's registers and the client's TDX policy. */
    private SimulatedTdxPlatform tdx;

    private SimulatedTdxPlatform.TdRegisters tdRegisters;
    private dev.cloister.attest.tdx.TdxPolicy tdxPolicy;
    private SimulatedNvidiaGpu gpu;
    private SpentTokenStore spent;
    private Options options;
    private dev.cloister.ledger.proof.TlogProof releaseProof;
    private dev.cloister.ledger.proof.TlogProof platformPolicyProof;
    private dev.cloister.ledger.note.Ed25519NoteVerifier platformPolicyKey;
    private Ed25519NoteSigner releaseKey;
    private KeyRotation gatewayKeys;
    private KeyPublication publication;
    private EpochKeySchedule tokenKeys;
    private WebClient web;

    private LocalDeployment(Vertx vertx, Path dir, MeterRegistry registry) {
        this.vertx = vertx;
        this.dir = dir;
        this.registry = registry;
    }

    /** Starts everything; blocking (model loading, key generation): call it off any event loop. */
    public static LocalDeployment start(Vertx vertx, Path dir, MeterRegistry registry, Options options)
            throws Exception {
        LocalDeployment d = new LocalDeployment(vertx, dir, registry);
        try {
            d.options = options;
            d.startAll(options);
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void startAll(Options options) throws Exception {
        Files.createDirectories(dir);
        // The ledger and its witnesses.
        logKey = new Ed25519NoteSigner(LOG_ORIGIN, Ed25519PrivateKey.generate(random));
        Ed25519NoteSigner operator = new Ed25519NoteSigner("operator", Ed25519PrivateKey.generate(random));
        List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Cosigner cosigner = new Cosigner("witness-" + i + ".cloister.invalid", Ed25519PrivateKey.generate(random));
            cosigners.add(cosigner);
            WitnessVerticle witness = new WitnessVerticle(
                    loopback(),
                    new Witness(
                            cosigner,
                            List.of(new LogIdentity(LOG_ORIGIN, logKey.verifier())),
                            new DirectoryCheckpointStore(dir.resolve("witness-" + i))),
                    clock);
            vertx.deployVerticle(witness).await(30, TimeUnit.SECONDS);
            endpoints.add(new LedgerVerticle.WitnessEndpoint(
                    URI.create("http://127.0.0.1:" + witness.actualPort()), cosigner.verifier()));
        }
        LogStorage storage = LogStorage.open(dir.resolve("ledger"));
        LedgerVerticle ledger = new LedgerVerticle(
                loopback(),
                Sequencer.open(storage, LOG_ORIGIN, logKey),
                storage,
                List.of(operator.verifier()),
                endpoints,
                Duration.ofMillis(50),
                registry);
        vertx.deployVerticle(ledger).await(30, TimeUnit.SECONDS);
        ledgerUrl = URI.create("http://127.0.0.1:" + ledger.actualPort());
        WebClient web = WebClient.create(vertx);
        LedgerPublisher publisher = new LedgerPublisher(web, ledgerUrl, operator, Duration.ofSeconds(30));

        // The issuer (Privacy Pass), with epoch keys from a fresh seed, each published in the ledger before use.
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        IssuerKeyPublication issuerKeys =
                new IssuerKeyPublication(publisher, ISSUER_NAME, Duration.ofSeconds(30), clock);
        EpochKeySchedule tokenKeys = new EpochKeySchedule(
                new EpochSchedule(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)),
                new EpochKeySource.Derived(dev.cloister.base.SecretBytes.copyOf(seed)),
                issuerKeys,
                Duration.ofHours(1));
        java.util.Arrays.fill(seed, (byte) 0);
        Path accounts = dir.resolve("accounts");
        Files.writeString(accounts, ACCOUNT + "\n");
        IssuerVerticle issuerVerticle = new IssuerVerticle(
                loopback(),
                tokenKeys,
                AccountFile.load(accounts),
                100_000,
                64,
                "https://" + ISSUER_NAME + "/token-request",
                issuerKeys,
                registry,
                clock);
        vertx.deployVerticle(issuerVerticle).await(30, TimeUnit.SECONDS);
        issuer = URI.create("http://127.0.0.1:" + issuerVerticle.actualPort());

        // The simulated platform and the release it runs, published in the ledger.
        Path sim = options.simRoots() != null ? options.simRoots() : dir.resolve("sim");
        cpu = SimulatedSevSnpPlatform.openOrCreate(sim, clock.instant(), random);
        gpu = SimulatedNvidiaGpu.openOrCreate(sim, clock.instant(), random);
        measurement = ReleaseMeasurement.ofRunningBuild();
        // Signed by a release key of its own, apart from the operator's submitter key (clients name its vkey).
        releaseKey = Ed25519NoteSigner.generate("release.cloister.invalid", random);
        if (options.cpu() == SimulatedCpu.TDX) {
            tdx = SimulatedTdxPlatform.openOrCreate(sim, clock.instant(), random);
            tdRegisters = SimulatedTdxPlatform.TdRegisters.standingFor(measurement);
            tdxPolicy = tdx.insecurePolicy().withTcb(dev.cloister.attest.tdx.TdxPolicy.TcbStatusIn.upToDate());
        }
        dev.cloister.ledger.entry.SignedRelease release = ReleaseMeasurement.developmentRelease(
                measurement,
                "development",
                List.of(),
                0,
                Optional.ofNullable(tdRegisters),
                releaseKey,
                clock.instant());
        releaseProof =
                publisher.publish(release.encode()).await(30, TimeUnit.SECONDS).proof();
        // The platform policy: SEV-SNP TCB floors signed by the operator's key. The simulated Genoa reports its own
        // TCB, which is its floor here (genuine AMD hardware is held to TcbFloors.shipped() at least).
        platformPolicyKey = operator.verifier();
        platformPolicyProof = publisher
                .publish(dev.cloister.ledger.entry.PlatformPolicy.sign(
                                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                                new dev.cloister.attest.sevsnp.TcbFloors(java.util.Map.of(
                                                dev.cloister.attest.sevsnp.ProductLine.GENOA,
                                                SimulatedSevSnpPlatform.TCB))
                                        .toEntryFloors(),
                                operator)
                        .encode())
                .await(30, TimeUnit.SECONDS)
                .proof();
        verifier = AttestationVerifier.create();
        attestationPolicy = options.cpu() == SimulatedCpu.TDX
                ? RaTlsPolicy.acceptingTdxReleases(
                        new RaTlsPolicy.TdxReleases(
                                tdxPolicy, dev.cloister.attest.policy.TdxReleaseReferenceValues.of(release.manifest())),
                        new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5)))
                : RaTlsPolicy.acceptingReleases(
                        cpu.insecurePolicy(),
                        List.of(measurement),
                        new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5)));

        // The gateway: keys published in the ledger, tokens required to open a session, attested enclaves only.
        KeyRotation keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(24),
                Duration.ofHours(6),
                Duration.ofHours(6),
                clock,
                random);
        KeyPublication publication = new KeyPublication(keys, publisher, clock);
        publication.publishMissing().await(30, TimeUnit.SECONDS);
        this.gatewayKeys = keys;
        this.publication = publication;
        this.tokenKeys = tokenKeys;
        this.web = web;
        deployGateway(0);
        gatewayBase = URI.create("http://127.0.0.1:" + gateway.actualPort() + "/");

        // The key directory and the relay.
        KeyDirectoryVerticle directory = new KeyDirectoryVerticle(
                loopback(),
                gatewayBase,
                Duration.ofMinutes(1),
                new dev.cloister.operator.keys.ReleaseProofs(
                        List.of(releaseProof),
                        new dev.cloister.ledger.tiles.HttpTileSource(ledgerUrl, Duration.ofSeconds(10))),
                new dev.cloister.ledger.proof.KeyProofs(List.of(platformPolicyProof)));
        vertx.deployVerticle(directory).await(30, TimeUnit.SECONDS);
        directory.mirror().await(30, TimeUnit.SECONDS);
        directory.refreshReleases().await(30, TimeUnit.SECONDS);
        keyDirectory = URI.create("http://127.0.0.1:" + directory.actualPort());
        RelayConfig relayDefaults = RelayConfig.defaults(loopback(), gatewayBase.resolve("/gateway"));
        RelayVerticle relayVerticle = new RelayVerticle(
                new RelayConfig(
                        relayDefaults.listen(),
                        gatewayBase.resolve("/gateway"),
                        relayDefaults.maxBodyBytes(),
                        options.relayRate(),
                        (int) Math.max(200, options.relayRate() * 2),
                        relayDefaults.connectTimeout(),
                        relayDefaults.requestTimeout()),
                registry);
        vertx.deployVerticle(relayVerticle).await(30, TimeUnit.SECONDS);
        relay = URI.create("http://127.0.0.1:" + relayVerticle.actualPort() + "/relay");

        // The enclaves.
        for (int i = 0; i < options.enclaves(); i++) {
            addEnclave();
        }
    }

    /**
     * The gateway as a separate process would start it: the spent-token store (re)opened from its directory, the
     * running enclaves attested before it listens; the key ring is kept (a process keeps it in its key-id file and
     * the ledger).
     */
    private void deployGateway(int port) throws Exception {
        spent = FileSpentTokenStore.open(dir.resolve("spent-tokens"));
        java.util.Map<String, URI> running = new java.util.LinkedHashMap<>();
        for (int i = 0; i < enclaves.size(); i++) running.put(enclaveIds.get(i), sessionsUrl(enclaves.get(i)));
        gateway = GatewayDeployment.deploy(
                        vertx,
                        new GatewayDeployment.Config(
                                GatewayConfig.defaults(new ListenAddress("127.0.0.1", port)),
                                gatewayKeys,
                                Optional.of(publication),
                                new GatewayDeployment.Sessions(
                                        new GatewayDeployment.TokenRedemption(tokenKeys, spent, challenge()),
                                        running,
                                        RaTlsClient.create(
                                                attestationPolicy,
                                                verifier,
                                                KeyExchange.X25519,
                                                Optional.empty(),
                                                Duration.ofSeconds(10),
                                                clock,
                                                random),
                                        Duration.ofSeconds(30),
                                        10_000,
                                        Optional.empty(),
                                        Optional.of(gatewayCredential)),
                                1),
                        registry,
                        clock,
                        random)
                .await(60, TimeUnit.SECONDS);
    }

    /**
     * One more gateway replica, as another {@code cloister gateway --redis ... --session-key-file ...} process would
     * run: the same OHTTP keys and token keys, its own enclave pool (no static enclaves: they join by registration
     * when {@code replicated} has a membership listener), session handles and spent tokens shared through Redis.
     */
    public GatewayDeployment startReplica(GatewayDeployment.Replicated replicated, SpentTokenStore sharedSpent)
            throws Exception {
        return GatewayDeployment.deploy(
                        vertx,
                        new GatewayDeployment.Config(
                                GatewayConfig.defaults(loopback()),
                                gatewayKeys,
                                Optional.of(publication),
                                new GatewayDeployment.Sessions(
                                        new GatewayDeployment.TokenRedemption(tokenKeys, sharedSpent, challenge()),
                                        java.util.Map.of(),
                                        RaTlsClient.create(
                                                attestationPolicy,
                                                verifier,
                                                KeyExchange.X25519,
                                                Optional.empty(),
                                                Duration.ofSeconds(10),
                                                clock,
                                                random),
                                        Duration.ofSeconds(30),
                                        10_000,
                                        Optional.of(replicated),
                                        Optional.of(gatewayCredential)),
                                1),
                        registry,
                        clock,
                        random)
                .await(60, TimeUnit.SECONDS);
    }

    private dev.cloister.protocol.membership.GatewayAuthorization gatewayCredential() {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        try {
            return dev.cloister.protocol.membership.GatewayAuthorization.of(secret, clock);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    private static URI sessionsUrl(Enclave enclave) {
        return URI.create("http://127.0.0.1:" + enclave.port() + "/sessions/");
    }

    /** Stops the gateway (closing its spent-token store) and starts it again on the same port. */
    public void restartGateway() throws Exception {
        int port = gateway.actualPort();
        gateway.undeploy().await(30, TimeUnit.SECONDS);
        if (spent instanceof AutoCloseable closeable) closeable.close();
        deployGateway(port);
    }

    /** Has the gateway attest and (re)admit every enclave that is still running. */
    public void readmitAll() throws Exception {
        for (int i = 0; i < enclaves.size(); i++) {
            registration()
                    .register(enclaveIds.get(i), sessionsUrl(enclaves.get(i)))
                    .otherwiseEmpty()
                    .await(30, TimeUnit.SECONDS);
        }
    }

    public GatewayVerticle gateway() {
        return gateway.verticle();
    }

    private EnclaveRegistration registration() {
        return gateway.registration().orElseThrow();
    }

    /** Starts one more enclave and has the gateway attest and admit it; returns its id. */
    public String addEnclave() throws Exception {
        SimulatedEvidenceSource evidence = options.cpu() == SimulatedCpu.TDX
                ? new SimulatedEvidenceSource(
                        tdx, tdRegisters, Optional.of(gpu), Duration.ZERO, Duration.ofMinutes(1), clock, random)
                : new SimulatedEvidenceSource(
                        cpu, Optional.of(gpu), measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random);
        Enclave enclave = Enclave.start(
                vertx,
                new Enclave.Settings(
                        options.model(),
                        options.tokenizer(),
                        options.threadsPerEnclave(),
                        16,
                        options.maxOutputTokens(),
                        options.deadline(),
                        options.attestation(),
                        EnclaveVerticle.Config.defaults(loopback(), gatewayCredential)
                                .withPadding(options.padding())
                                .withIdle(options.sessionIdle())),
                evidence,
                registry,
                clock,
                random);
        String id = "enclave-" + enclaves.size();
        enclaves.add(enclave);
        enclaveIds.add(id);
        registration().register(id, sessionsUrl(enclave)).await(30, TimeUnit.SECONDS);
        return id;
    }

    /** Stops an enclave abruptly (its sessions are lost; the gateway notices on the next forward or re-check). */
    public void killEnclave(int index) throws java.util.concurrent.TimeoutException {
        enclaves.get(index).stop(vertx).await(30, TimeUnit.SECONDS);
    }

    public List<Enclave> enclaves() {
        return List.copyOf(enclaves);
    }

    public EnclavePool pool() {
        return gateway.pool().orElseThrow();
    }

    public static TokenChallenge challenge() {
        return TokenChallenge.of(TokenType.VOPRF_P384_SHA384, ISSUER_NAME, new byte[0], List.of(ORIGIN));
    }

    /**
     * The demo's release quarantine: none, so that the release it publishes at start is usable at once (clients default
     * to one hour, {@link dev.cloister.client.keys.ReleaseTrust#DEFAULT_QUARANTINE}).
     */
    public static final Duration RELEASE_QUARANTINE = Duration.ZERO;

    /** The release key's vkey, which clients of this deployment name. */
    public String releaseVkey() {
        return releaseKey.verifier().verifierKey().encode();
    }

    /** A client configured as an app would be: it trusts the ledger's key and witnesses and the release policy. */
    public CloisterClient.Builder client() {
        CloisterClient.Builder b = clientOf(CloisterClient.builder(vertx));
        return tdxPolicy == null
                ? b
                : b.cpuPlatforms(new dev.cloister.attest.ratls.AcceptedCpuPlatforms.SevSnpOrTdx(tdxPolicy));
    }

    private CloisterClient.Builder clientOf(CloisterClient.Builder builder) {
        return builder.relay(relay)
                .keyDirectory(keyDirectory)
                .gatewayAuthority(ORIGIN)
                .ledger(logIdentity(), witnessPolicy(), ledgerUrl)
                .platform(
                        cpu.insecurePolicy(),
                        new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5)),
                        verifier)
                .platformPolicyKey(platformPolicyKey)
                .releaseKeys(List.of(releaseKey.verifier().verifierKey()))
                .releaseQuarantine(RELEASE_QUARANTINE)
                .issuer(issuer, ACCOUNT, challenge())
                // Background token refills within 0.1 s here (10 s by default): a loopback demo has no issuer to hide
                // its timing from, and its tests and load driver would otherwise wait.
                .tokenRefillDelay(Duration.ofMillis(100));
    }

    /**
     * The SESSION-OPTIONS a separate {@code cloister summarize}, {@code rewrite} or {@code proxy} needs to use this
     * deployment, one argument per element: every party's URL, the ledger's and the witnesses' keys (quorum 2), the
     * issuer account, and the simulated platform's roots (which only this flag makes a client trust).
     */
    public List<String> sessionOptions() {
        List<String> args = new ArrayList<>(List.of(
                "--relay",
                relay.toString(),
                "--keys",
                keyDirectory.toString(),
                "--ledger",
                ledgerUrl.toString(),
                "--ledger-vkey",
                logKey.verifier().verifierKey().encode()));
        for (Cosigner cosigner : cosigners) {
            args.addAll(
                    List.of("--witness-vkey", cosigner.verifier().verifierKey().encode()));
        }
        args.addAll(List.of(
                "--quorum",
                Integer.toString(witnessPolicy().quorum()),
                "--release-vkey",
                releaseKey.verifier().verifierKey().encode(),
                "--release-quarantine",
                RELEASE_QUARANTINE.toString(),
                "--issuer",
                issuer.toString(),
                "--account",
                ACCOUNT,
                "--issuer-name",
                ISSUER_NAME,
                "--origin",
                ORIGIN,
                "--insecure-simulated-tee",
                (options.simRoots() != null ? options.simRoots() : dir.resolve("sim")).toString(),
                "--platform-policy-vkey",
                platformPolicyKey.verifierKey().encode()));
        return args;
    }

    /** The model's name as the enclaves list it ({@code /v1/models}) and chat completions must ask for. */
    public String modelId() {
        return Enclave.modelId(options.model());
    }

    public URI issuer() {
        return issuer;
    }

    /** The witness policy clients of this deployment hold: 2 of its 3 cosigners, checkpoints at most an hour old. */
    public WitnessPolicy witnessPolicy() {
        return WitnessPolicy.quorum(
                2, cosigners.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1));
    }

    /** A token wallet for this deployment's issuer, checking its keys against the deployment's ledger. */
    public dev.cloister.client.session.TokenWallet tokenWallet(int batch) {
        return tokenWallet(
                batch,
                new dev.cloister.client.session.TokenWallet.Refill(Math.max(1, batch / 4), Duration.ofMillis(100)));
    }

    /** A token wallet for this deployment's issuer that refills as {@code refill} says. */
    public dev.cloister.client.session.TokenWallet tokenWallet(
            int batch, dev.cloister.client.session.TokenWallet.Refill refill) {
        return new dev.cloister.client.session.TokenWallet(
                vertx,
                web,
                issuer,
                ACCOUNT,
                challenge(),
                batch,
                Duration.ofSeconds(10),
                new dev.cloister.client.keys.IssuerKeyConsistency(dev.cloister.client.keys.LedgerView.inMemory(
                        logIdentity(),
                        witnessPolicy(),
                        new dev.cloister.ledger.tiles.TileReader(
                                new dev.cloister.ledger.tiles.HttpTileSource(ledgerUrl, Duration.ofSeconds(10))))),
                clock,
                new SecureRandom(),
                java.util.Optional.empty(),
                refill);
    }

    public LogIdentity logIdentity() {
        return new LogIdentity(LOG_ORIGIN, logKey.verifier());
    }

    public RaTlsPolicy attestationPolicy() {
        return attestationPolicy;
    }

    public byte[] measurement() {
        return measurement.clone();
    }

    public SimulatedSevSnpPlatform cpu() {
        return cpu;
    }

    public SimulatedNvidiaGpu gpu() {
        return gpu;
    }

    /** The ledger's base URL: its checkpoint and tiles (c2sp.org/tlog-tiles), and {@code /add} for submitters. */
    public URI ledgerUrl() {
        return ledgerUrl;
    }

    public URI relay() {
        return relay;
    }

    public URI gatewayBase() {
        return gatewayBase;
    }

    public URI keyDirectory() {
        return keyDirectory;
    }

    private static ListenAddress loopback() {
        return new ListenAddress("127.0.0.1", 0);
    }

    @Override
    public void close() {
        for (Enclave enclave : enclaves) {
            try {
                enclave.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        if (spent instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing more to do
            }
        }
    }
}
