package dev.cloister.enclave;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.enclave.gpu.GpuGateRefusal;
import dev.cloister.enclave.gpu.GpuStartGate;
import dev.cloister.enclave.gpu.GpuStartOptions;
import dev.cloister.enclave.gpu.NvmlEvidenceSource;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.CommandErrors;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.server.log.EnclaveLogFilter;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloister enclave}: the confidential VM's server (sessions from the gateway, the model, the evidence). */
@Command(
        name = "enclave",
        mixinStandardHelpOptions = true,
        description = "Run an enclave: RA-TLS sessions whose bytes arrive from the gateway (POST /sessions/{id} on an "
                + "internal port), summarize and rewrite on the local model; nothing is written to disk.")
public final class EnclaveCommand implements Callable<Integer> {

    /**
     * The enclave's own jar ({@code cloister-enclave.jar}) runs this command alone: the image that is measured and
     * published carries the enclave and nothing of the other parties.
     */
    public static void main(String[] args) {
        int code = CommandErrors.install(new CommandLine(new EnclaveCommand())).execute(args);
        if (code != 0 || !ServerCommand.keepsRunning()) {
            System.exit(code);
        }
    }

    /** The exit status when the GPU start gate refuses (usage errors are 2). */
    public static final int GATE_REFUSED = 3;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    /** Serve, or only say which measurement this build would report. */
    static final class Action {
        @Option(
                names = "--listen",
                required = true,
                converter = ListenArgument.class,
                description = "HOST:PORT of the internal session endpoint (gateway only)")
        ListenAddress listen;

        @Option(
                names = "--print-measurement",
                required = true,
                description = "Print this build's measurement (hex "
                        + "SHA-384 launch digest, what the gateway's --release accepts) and exit")
        boolean printMeasurement;
    }

    @Option(
            names = "--model",
            defaultValue = "stories15M",
            description = "stories15M, stories260K or a checkpoint path (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--tokenizer", description = "The tokenizer.bin for a model given as a path")
    Path tokenizer;

    @Option(
            names = "--models-dir",
            paramLabel = "DIR",
            description = "Shared test models directory (default: testdata/models when present)")
    Path modelsDir;

    @Option(
            names = "--platform",
            defaultValue = "sim",
            description = "Evidence provider: sim (default) or configfs-tsm")
    String platform;

    @Option(
            names = "--simulated-platform",
            paramLabel = "sev-snp|tdx",
            defaultValue = "sev-snp",
            description = "With --platform sim: which CPU the simulated platform is, sev-snp (default: reports this "
                    + "build's launch digest) or tdx (a TD quote whose RTMR1/RTMR2 stand for this build, with PCS "
                    + "collateral)")
    String simulatedPlatform;

    @Option(
            names = "--tdx-collateral",
            paramLabel = "DIR",
            description = "With --platform configfs-tsm on a TDX guest: Intel's PCS collateral for this platform "
                    + "(tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json, qe_identity_issuer_chain.pem, "
                    + "pck_crl.der, root_crl.der), stapled to every quote and read again each time")
    Path tdxCollateral;

    @Option(
            names = "--tsm-dir",
            paramLabel = "DIR",
            defaultValue = "/sys/kernel/config/tsm/report",
            description = "The configfs-tsm report directory (with --platform configfs-tsm; default: ${DEFAULT-VALUE})")
    Path tsmDir;

    @Option(
            names = "--vcek-chain",
            description = "VCEK + ASK + ARK in PEM, for hosts whose configfs-tsm gives no certificates")
    Path vcekChain;

    @Option(
            names = "--amd-crl",
            paramLabel = "FILE",
            description = "AMD's CRL for this product line (DER, KDS /vcek/v1/PRODUCT/crl), stapled to every report and"
                    + " read again each time (refresh it from outside); clients require it, at most 7 days old")
    Path amdCrl;

    @Option(
            names = "--gpu-ocsp",
            paramLabel = "FILE",
            description =
                    "With --gpu nvml: an OCSP response (DER, from NVIDIA's OCSP service) for one certificate of the"
                            + " GPU's chain below its root, leaf first; repeat per certificate (with --gpus N: GPU 0's,"
                            + " then GPU 1's, ..., as many for each); stapled to every GPU report and"
                            + " read again each time; clients require them, at most 7 days old")
    List<Path> gpuOcsp;

    @Option(
            names = "--sim-dir",
            paramLabel = "DIR",
            defaultValue = "sim-platform",
            description = "Simulated vendor roots (created at first use; default: ${DEFAULT-VALUE})")
    Path simDir;

    @Option(
            names = "--sim-image",
            paramLabel = "DIR",
            description = "With --platform sim: the cvm-boot/build.sh output this enclave stands for; the simulated "
                    + "platform reports its SEV-SNP launch digest (measurement.json) instead of this jar's")
    Path simImage;

    @Option(names = "--threads", defaultValue = "1", description = "Inference threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(
            names = "--max-sequences",
            defaultValue = "16",
            description = "Sequences decoded together (default: ${DEFAULT-VALUE})")
    int maxSequences;

    @Option(
            names = "--max-output-tokens",
            defaultValue = "128",
            description = "Tokens per answer at most (default: ${DEFAULT-VALUE})")
    int maxOutputTokens;

    /** How answers are padded when the client asks (issue 15, item 1). */
    @picocli.CommandLine.Mixin
    AnswerPaddingOptions padding = new AnswerPaddingOptions();

    @Option(
            names = "--batch-window",
            description = "Share one hardware report among handshakes arriving within this window (e.g. PT0.005S)")
    Duration batchWindow;

    @Option(
            names = "--gpu",
            description = "GPU evidence: sim (the simulated GPU; default with --platform sim), none (default with "
                    + "--platform configfs-tsm) or nvml (a confidential-computing GPU through the driver's NVML: the "
                    + "start gate runs before the model loads)")
    String gpu;

    @Option(
            names = "--gpus",
            defaultValue = "1",
            description = "With --gpu nvml: how many GPUs NVML must show (1 to 8, multi-GPU mode none); each attests"
                    + " at start and in every evidence bundle")
    int gpus;

    @Option(
            names = "--nvml-library",
            paramLabel = "PATH",
            description = "With --gpu nvml: load this libnvidia-ml.so.1 instead of the driver's (tests only; refused "
                    + "where " + GpuStartOptions.PRODUCTION_MARKER_PATH + " exists)")
    Path nvmlLibrary;

    @Option(
            names = "--gpu-rims",
            paramLabel = "DIR",
            description = "With --gpu nvml: signed NVIDIA RIMs (*.swidtag) the GPUs' measurements must match at start")
    Path gpuRims;

    @Option(
            names = "--gpu-refresh",
            defaultValue = "PT0S",
            description = "With --gpu nvml: how long one GPU report serves (PT0S: a new report per handshake; "
                    + "default: ${DEFAULT-VALUE})")
    Duration gpuRefresh;

    @Option(
            names = "--insecure-gpu-cc-off",
            description = "With --gpu nvml, development only: skip the GPU's confidential-computing checks; clients "
                    + "refuse this enclave's evidence")
    boolean insecureGpuCcOff;

    @Option(
            names = "--ledger",
            description = "With --platform sim only: publish this build as a development release in the ledger at "
                    + "start (base URL); needs --submitter-key and --release-key. On real hardware the image is "
                    + "published with 'cloister release publish'")
    URI ledger;

    @Option(names = "--submitter-key", description = "Submitter secret key the ledger accepts")
    Path submitterKey;

    @Option(names = "--release-key", description = "Release secret key that signs the development release")
    Path releaseKey;

    @Option(
            names = "--release-proof-out",
            description = "Where to write the release's .tlog-proof (for the key directory)")
    Path releaseProofOut;

    @Option(
            names = "--tls-key-lifetime",
            defaultValue = "PT24H",
            description = "How long one RA-TLS key serves new handshakes before a new key (with evidence bound to it) "
                    + "replaces it; open sessions finish on theirs (default: ${DEFAULT-VALUE}; at least PT1M)")
    Duration tlsKeyLifetime;

    @Option(
            names = "--max-pause",
            defaultValue = "PT10S",
            description = "How long an answer may stay paused because its reader does not take it (the sequence kept, "
                    + "generating nothing) before it is ended (default: ${DEFAULT-VALUE}; more than zero)")
    Duration maxPause;

    @Option(
            names = "--gateway-secret-file",
            description = "File with the secret the gateways' --enclave-secret-file holds (at least 32 bytes): the "
                    + "session endpoint then answers only requests that carry the gateway's HMAC of it (401 otherwise, "
                    + "before any body is read). Required unless --listen names a loopback or private address.")
    Path gatewaySecretFile;

    /** The gateway's credential the session endpoint requires, or empty (a private --listen address only). */
    private Optional<dev.cloister.protocol.membership.GatewayAuthorization> gatewayAuthorization(Clock clock)
            throws java.io.IOException {
        if (gatewaySecretFile == null) {
            if (!action.listen.isPrivate()) {
                throw new UsageException(
                        "--listen " + action.listen,
                        "is not a loopback or private address: give --gateway-secret-file, or listen on the "
                                + "private interface the gateway reaches");
            }
            return Optional.empty();
        }
        byte[] secret = Files.readAllBytes(gatewaySecretFile);
        try {
            if (secret.length < dev.cloister.protocol.membership.GatewayAuthorization.MIN_SECRET_BYTES) {
                throw new UsageException("--gateway-secret-file " + gatewaySecretFile, "holds fewer than 32 bytes");
            }
            return Optional.of(dev.cloister.protocol.membership.GatewayAuthorization.of(secret, clock));
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    // --- Registration with the operator's pool (issue 19): a separate block of its own ---

    @Option(
            names = "--register",
            description = "Register with (and heartbeat to) this gateway membership endpoint, e.g. "
                    + "http://10.0.0.1:9300; needs --register-secret-file. Gateways attest this enclave before use.")
    URI register;

    @Option(
            names = "--register-secret-file",
            description = "File with the secret the gateways' --members-secret-file holds (at least 32 bytes)")
    Path registerSecretFile;

    @Option(
            names = "--register-id",
            description = "This enclave's id in the pool (default: enclave- and 8 random hex digits)")
    String registerId;

    @Option(
            names = "--register-as",
            description = "Where gateways reach this enclave's session endpoint (default: "
                    + "http://HOST:PORT/sessions/ of --listen, which then must name a host)")
    URI registerAs;

    @Option(
            names = "--register-every",
            defaultValue = "PT10S",
            description = "How often to heartbeat (default: ${DEFAULT-VALUE}; keep it under a third of the gateways' "
                    + "--member-ttl)")
    Duration registerEvery;

    /** Refuses registration options that cannot work, before anything starts. */
    private void checkRegistration() throws java.io.IOException {
        if (register == null) return;
        if (registerSecretFile == null) throw new UsageException("--register", "needs --register-secret-file");
        Arguments.webUrl("--register", register);
        if (Files.size(registerSecretFile) < dev.cloister.protocol.membership.MemberAnnouncement.MIN_SECRET_BYTES) {
            throw new UsageException("--register-secret-file " + registerSecretFile, "holds fewer than 32 bytes");
        }
        String host = action.listen.host();
        if (registerAs == null && (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]"))) {
            throw new UsageException("--register", "needs --register-as when --listen names no host");
        }
        if (registerEvery.isNegative() || registerEvery.isZero()) {
            throw new UsageException("--register-every " + registerEvery, "must be positive");
        }
        try {
            new dev.cloister.protocol.membership.MemberAnnouncement(
                    registerId != null ? registerId : "enclave-0",
                    registerAs != null ? registerAs : URI.create("http://" + host + ":1/sessions/"),
                    java.time.Instant.EPOCH);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--register-id / --register-as", e.getMessage());
        }
    }

    /** Starts heart-beating to the gateways' membership endpoint, when {@code --register} asks for it. */
    private void registerWithPool(NodeRuntime runtime, Enclave enclave, Clock clock, SecureRandom random)
            throws java.io.IOException {
        if (register == null) return;
        byte[] secret = Files.readAllBytes(registerSecretFile);
        try {
            URI sessions = registerAs != null
                    ? registerAs
                    : URI.create("http://" + action.listen.host() + ":" + enclave.port() + "/sessions/");
            String id = registerId != null
                    ? registerId
                    : "enclave-" + HexFormat.of().toHexDigits(random.nextInt());
            PoolMembership membership = new PoolMembership(
                    runtime.vertx(),
                    WebClient.create(runtime.vertx()),
                    register,
                    new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"),
                    id,
                    sessions,
                    registerEvery,
                    clock);
            membership.start();
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (action.printMeasurement) {
            spec.commandLine().getOut().println(HexFormat.of().formatHex(ReleaseMeasurement.ofRunningBuild()));
            spec.commandLine().getOut().flush();
            return 0;
        }
        Optional<String> injected = JvmHardening.optionsFromEnvironment(System.getenv());
        if (injected.isPresent()) {
            throw new UsageException(
                    injected.get(),
                    "is set: the JVM took options from the environment; start the enclave without it (./cloister "
                            + "enclave unsets it)");
        }
        List<String> unhardened = JvmHardening.missingFlags();
        if (!platform.equals("sim") && !platform.equals("configfs-tsm")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--platform must be sim or configfs-tsm");
        }
        if (platform.equals("configfs-tsm") && !Files.isDirectory(tsmDir)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    tsmDir + " does not exist: configfs-tsm "
                            + "needs a confidential VM (SEV-SNP or TDX guest kernel with configfs mounted); use --platform sim here");
        }
        if (ledger != null && platform.equals("configfs-tsm")) {
            throw new UsageException(
                    "--ledger",
                    "an enclave on real hardware does not publish itself: clients accept only the measurement of a "
                            + "published image ('cloister release publish --image DIR')");
        }
        if (!simulatedPlatform.equals("sev-snp") && !simulatedPlatform.equals("tdx")) {
            throw new UsageException("--simulated-platform " + simulatedPlatform, "is sev-snp or tdx");
        }
        if (simulatedPlatform.equals("tdx") && !platform.equals("sim")) {
            throw new UsageException("--simulated-platform tdx", "is for --platform sim only");
        }
        if (tdxCollateral != null && !platform.equals("configfs-tsm")) {
            throw new UsageException("--tdx-collateral", "is for --platform configfs-tsm only");
        }
        if (simImage != null && !platform.equals("sim")) {
            throw new UsageException("--sim-image", "is for --platform sim only (real hardware measures its image)");
        }
        if (platform.equals("configfs-tsm") && !unhardened.isEmpty()) {
            throw new UsageException(
                    "--platform configfs-tsm",
                    "needs a hardened JVM: start it with " + String.join(" ", unhardened)
                            + " (./cloister enclave and the CVM image do)");
        }
        if (!unhardened.isEmpty()) {
            System.err.println("cloister enclave: this JVM runs without " + String.join(" ", unhardened)
                    + " (development only; ./cloister enclave adds them)");
        }
        if (threads < 1) throw new UsageException("--threads " + threads, "must be at least 1");
        if (maxSequences < 1) throw new UsageException("--max-sequences " + maxSequences, "must be at least 1");
        if (maxOutputTokens < 1)
            throw new UsageException("--max-output-tokens " + maxOutputTokens, "must be at least 1");
        if (maxPause.isNegative() || maxPause.isZero()) {
            throw new UsageException("--max-pause " + maxPause, "must be more than zero");
        }
        if (tlsKeyLifetime.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new UsageException("--tls-key-lifetime " + tlsKeyLifetime, "must be at least PT1M");
        }
        if (batchWindow != null && (batchWindow.isNegative() || batchWindow.isZero())) {
            throw new UsageException("--batch-window " + batchWindow, "must be positive");
        }
        if (ledger != null && (submitterKey == null || releaseKey == null)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--ledger needs --submitter-key and --release-key");
        }
        if (ledger != null) Arguments.webUrl("--ledger", ledger);
        GpuStartOptions gpuOptions = GpuStartOptions.of(
                platform,
                gpu,
                gpus,
                nvmlLibrary,
                gpuRims,
                gpuRefresh,
                insecureGpuCcOff,
                GpuStartOptions.PRODUCTION_MARKER);
        var submitter = ledger == null ? null : Arguments.logSigner("--submitter-key", submitterKey);
        var releaseSigner = ledger == null ? null : Arguments.logSigner("--release-key", releaseKey);
        checkRegistration();
        Optional<dev.cloister.protocol.membership.GatewayAuthorization> gateway =
                gatewayAuthorization(Clock.systemUTC());
        // The GPU gate runs first: before the model loads, before CUDA initializes and before any listener opens.
        Optional<GpuStartGate.Passed> gate;
        try {
            gate = gpuOptions.runGate(
                    Clock.systemUTC(), new SecureRandom(), line -> System.err.println("gpu: " + line));
        } catch (GpuGateRefusal e) {
            System.err.println("cloister enclave: refused to start: " + e.getMessage());
            return GATE_REFUSED;
        }
        EnclaveLogFilter.install();
        ModelFiles files = dev.cloister.enclave.ModelArgument.resolve(
                spec.commandLine(), model, tokenizer, modelsDir, line -> System.err.println("model: " + line));
        NodeRuntime runtime = NodeRuntime.create();
        try {
            return start(runtime, files, submitter, releaseSigner, gpuOptions, gate, gateway);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
    }

    private int start(
            NodeRuntime runtime,
            ModelFiles files,
            dev.cloister.ledger.note.Ed25519NoteSigner submitter,
            dev.cloister.ledger.note.Ed25519NoteSigner releaseSigner,
            GpuStartOptions gpuOptions,
            Optional<GpuStartGate.Passed> gate,
            Optional<dev.cloister.protocol.membership.GatewayAuthorization> gateway)
            throws Exception {
        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        byte[] measurement;
        try {
            measurement =
                    simImage != null ? SimulatedImage.launchDigest(simImage) : ReleaseMeasurement.ofRunningBuild();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--sim-image " + simImage, e.getMessage());
        }
        dev.cloister.attest.ratls.EvidenceSource evidence;
        if (platform.equals("configfs-tsm")) {
            // Real hardware: the firmware measures the CVM image; the GPU's evidence (NVML) is not wired yet, so a
            // client policy that requires a GPU refuses this enclave.
            evidence = new dev.cloister.attest.ratls.ConfigfsTsmEvidenceSource(
                    new dev.cloister.attest.platform.ConfigfsTsm(tsmDir),
                    "cloister-ra-tls",
                    vcekChain == null ? Optional.empty() : Optional.of(Files.readAllBytes(vcekChain)),
                    Optional.ofNullable(amdCrl),
                    Optional.ofNullable(tdxCollateral));
        } else if (simulatedPlatform.equals("tdx")) {
            Optional<SimulatedNvidiaGpu> simulatedGpu = gpuOptions.kind() == GpuStartOptions.Kind.SIM
                    ? Optional.of(SimulatedNvidiaGpu.openOrCreate(simDir, clock.instant(), random))
                    : Optional.empty();
            evidence = new SimulatedEvidenceSource(
                    SimulatedTdxPlatform.openOrCreate(simDir, clock.instant(), random),
                    SimulatedTdxPlatform.TdRegisters.standingFor(measurement),
                    simulatedGpu,
                    Duration.ZERO,
                    Duration.ofMinutes(1),
                    clock,
                    random);
        } else {
            SimulatedSevSnpPlatform cpu = SimulatedSevSnpPlatform.openOrCreate(simDir, clock.instant(), random);
            Optional<SimulatedNvidiaGpu> simulatedGpu = gpuOptions.kind() == GpuStartOptions.Kind.SIM
                    ? Optional.of(SimulatedNvidiaGpu.openOrCreate(simDir, clock.instant(), random))
                    : Optional.empty();
            evidence = new SimulatedEvidenceSource(
                    cpu, simulatedGpu, measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random);
        }
        if (gate.isPresent()) {
            evidence = new NvmlEvidenceSource(
                    evidence,
                    gate.get(),
                    gpuOptions.refresh(),
                    gpuOptions.rimDocuments(),
                    gpuOcsp == null ? List.of() : gpuOcsp,
                    clock,
                    random);
        }
        if (ledger != null) {
            LedgerPublisher.Published published = new LedgerPublisher(
                            WebClient.create(runtime.vertx()), ledger, submitter, Duration.ofSeconds(30))
                    .publish(ReleaseMeasurement.developmentRelease(
                                    measurement,
                                    "development",
                                    gate.isPresent()
                                            ? gpuOptions
                                                    .referenceValue(gate.get(), clock)
                                                    .map(List::of)
                                                    .orElse(List.of())
                                            : List.of(),
                                    gate.map(g -> g.gpus().size()).orElse(0),
                                    simulatedPlatform.equals("tdx")
                                            ? Optional.of(SimulatedTdxPlatform.TdRegisters.standingFor(measurement))
                                            : Optional.empty(),
                                    releaseSigner,
                                    clock.instant())
                            .encode())
                    .await(60, TimeUnit.SECONDS);
            if (releaseProofOut != null)
                Files.write(releaseProofOut, published.proof().encode());
            System.err.println("release published in the ledger at index " + published.index());
        }
        AttestationMode mode =
                batchWindow == null ? new AttestationMode.PerHandshake() : new AttestationMode.Batched(batchWindow, 64);
        Enclave enclave = Enclave.start(
                runtime.vertx(),
                new Enclave.Settings(
                        files.checkpoint(),
                        files.tokenizer(),
                        threads,
                        maxSequences,
                        maxOutputTokens,
                        Duration.ofSeconds(60),
                        mode,
                        gateway.map(g -> EnclaveVerticle.Config.defaults(action.listen, g))
                                .orElseGet(() -> EnclaveVerticle.Config.defaults(action.listen))
                                .withPadding(padding.padding()),
                        tlsKeyLifetime,
                        maxPause),
                evidence,
                runtime.registry(),
                clock,
                random);
        System.err.println("cloister enclave on " + action.listen + " ("
                + (platform.equals("sim")
                        ? "simulated " + (simulatedPlatform.equals("tdx") ? "TDX" : "SEV-SNP")
                                + " + GPU), measurement "
                                + HexFormat.of().formatHex(measurement)
                        : "configfs-tsm)")
                + ", GPU " + gpuOptions.kind().name().toLowerCase(java.util.Locale.ROOT)
                + (gate.map(g -> g.mode() == GpuStartGate.Mode.INSECURE_CC_OFF).orElse(false)
                        ? " (INSECURE: confidential computing off, clients refuse)"
                        : ""));
        registerWithPool(runtime, enclave, clock, random);
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            enclave.stop(runtime.vertx());
            runtime.vertx().close();
        }));
        return 0;
    }
}
