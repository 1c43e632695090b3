package dev.cloister.cli;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.client.log.RequestLog;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.operator.CpuPlatformOption;
import dev.cloister.operator.SimulatedTeeRoots;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.UsageException;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What {@code cloister summarize} and {@code cloister rewrite} need to know: every party, and what to trust. */
public final class SessionOptions {

    @Option(names = "--relay", required = true, description = "Relay URL, e.g. http://127.0.0.1:8081/relay")
    URI relay;

    @Option(
            names = "--keys",
            required = true,
            description = "Key directory base URL (serves /ohttp-keys, /ohttp-keys/proofs, /releases/proofs)")
    URI keys;

    @Option(
            names = "--ledger-vkey",
            required = true,
            description = "The ledger's verifier key (its name is the log origin)")
    String ledgerVkey;

    @Option(
            names = "--ledger",
            required = true,
            description = "The ledger's tile URL prefix (serves /checkpoint and /tile/...), for consistency proofs")
    URI ledger;

    @Option(
            names = "--witness-vkey",
            description = "A trusted witness's cosignature vkey; repeatable; at least one is required")
    List<String> witnessVkeys = new ArrayList<>();

    @Option(
            names = "--insecure-no-witnesses",
            description = "Trust the ledger's signature alone, with no witness cosignature (development only: a log"
                    + " alone can show each user a view of its own)")
    boolean noWitnesses;

    @Option(
            names = "--checkpoint-dir",
            description = "Where the largest verified ledger checkpoint is kept between runs, owner-only"
                    + " (default: checkpoints/ beside the log file)")
    Path checkpointDir;

    @Option(
            names = "--quorum",
            defaultValue = "1",
            description = "Witness cosignatures required (default: ${DEFAULT-VALUE})")
    int quorum;

    @Option(names = "--issuer", required = true, description = "Privacy Pass issuer base URL")
    URI issuer;

    @Option(names = "--account", required = true, description = "The account credential the issuer knows this app by")
    String account;

    @Option(
            names = "--issuer-name",
            defaultValue = "issuer.cloister.invalid",
            description = "Issuer name in the token challenge")
    String issuerName;

    @Option(names = "--origin", defaultValue = "gateway.cloister.invalid", description = "The gateway's origin name")
    String origin;

    @Option(
            names = "--insecure-simulated-tee",
            paramLabel = "DIR",
            description = "Accept the simulated platform whose roots are in this directory (development only)")
    Path simRoots;

    @Option(
            names = "--cpu-platform",
            defaultValue = "sev-snp",
            description = "The CPU TEEs an enclave may attest with: sev-snp, tdx (a TDX platform of a published"
                    + " release, TCB status UpToDate) or any; tdx and any need --insecure-simulated-tee for now: the"
                    + " releases' GPU counts and RIMs are keyed by SEV-SNP launch digests (default: ${DEFAULT-VALUE})")
    String cpuPlatform;

    @Option(names = "--log-file", description = "The request log (default: ~/.local/share/cloister/request-log.jsonl)")
    Path logFile;

    @Option(
            names = "--timeout",
            defaultValue = "PT60S",
            description = "Timeout per request (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(
            names = "--padding-bucket",
            paramLabel = "BYTES",
            defaultValue = "1024",
            description =
                    "Pad requests to size buckets from this many bytes (powers of two) and ask the enclave to pad "
                            + "its answers: fixed-size frames at a fixed cadence when streamed (default: ${DEFAULT-VALUE})")
    int paddingBucket;

    @Option(
            names = "--insecure-no-padding",
            description = "Send and receive unpadded: the relay learns the sizes of requests and answers, and each "
                    + "streamed token's length")
    boolean noPadding;

    @Option(
            names = "--token-refill-delay",
            defaultValue = "PT10S",
            description = "The most a background token refill waits, drawn at random, so that the issuer cannot link a"
                    + " batch to the request that emptied the wallet (default: ${DEFAULT-VALUE})")
    Duration tokenRefillDelay;

    @Option(
            names = "--platform-policy-vkey",
            paramLabel = "VKEY",
            description = "Apply the SEV-SNP TCB floors of the newest witnessed platform policy in the ledger signed by"
                    + " this key (never below the floors this client ships with); without it, the shipped floors")
    String platformPolicyVkey;

    @Option(
            names = "--revocation-max-age",
            defaultValue = "P7D",
            description = "The oldest revocation status (AMD's CRL, the GPU chain's OCSP responses, by thisUpdate) an"
                    + " enclave may staple (default: ${DEFAULT-VALUE})")
    Duration revocationMaxAge;

    @Option(
            names = "--release-vkey",
            description = "A release key (vkey): only releases it signed are accepted; repeatable; at least one")
    List<String> releaseVkeys = new ArrayList<>();

    @Option(
            names = "--release-quarantine",
            defaultValue = "PT1H",
            description = "How long a release must have been in the ledger (dated by a witnessed checkpoint) before "
                    + "it is accepted; PT0S waives the wait (default: ${DEFAULT-VALUE})")
    Duration releaseQuarantine;

    static Path defaultLogFile() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "cloister", "request-log.jsonl");
    }

    /** Checks what needs no network: URLs, keys, the witness quorum, the simulated roots. */
    CloisterClient client(Vertx vertx) throws Exception {
        return builder(vertx).build();
    }

    /** {@link #client}'s builder, for a caller that sets more (the soak driver sets its own retries). */
    CloisterClient.Builder builder(Vertx vertx) throws Exception {
        Arguments.webUrl("--relay", relay);
        Arguments.webUrl("--keys", keys);
        Arguments.webUrl("--issuer", issuer);
        Arguments.webUrl("--ledger", ledger);
        if (tokenRefillDelay.isNegative()) {
            throw new UsageException("--token-refill-delay " + tokenRefillDelay, "must be zero or more");
        }
        VerifierKey logKey;
        try {
            logKey = VerifierKey.parse(ledgerVkey);
        } catch (dev.cloister.ledger.FormatException e) {
            throw new UsageException("--ledger-vkey " + ledgerVkey, e.getMessage());
        }
        List<CosignatureVerifier> witnesses = new ArrayList<>();
        for (String w : witnessVkeys) {
            try {
                witnesses.add(CosignatureVerifier.fromVkey(w));
            } catch (dev.cloister.ledger.FormatException e) {
                throw new UsageException("--witness-vkey " + w, e.getMessage());
            }
        }
        if (witnesses.isEmpty() && !noWitnesses) {
            throw new UsageException(
                    "--witness-vkey",
                    "at least one witness is required (a log that nobody cosigns can show each user a view of its"
                            + " own); --insecure-no-witnesses trusts the log alone, for development");
        }
        if (!witnesses.isEmpty() && noWitnesses) {
            throw new UsageException("--insecure-no-witnesses", "cannot be combined with --witness-vkey");
        }
        if (!witnesses.isEmpty() && (quorum < 1 || quorum > witnesses.size())) {
            throw new UsageException(
                    "--quorum " + quorum,
                    "must be between 1 and the number of --witness-vkey (" + witnesses.size() + ")");
        }
        List<VerifierKey> releaseKeys = new ArrayList<>();
        for (String k : releaseVkeys) {
            try {
                releaseKeys.add(VerifierKey.parse(k));
            } catch (dev.cloister.ledger.FormatException e) {
                throw new UsageException("--release-vkey " + k, e.getMessage());
            }
        }
        try {
            new dev.cloister.client.keys.ReleaseTrust(releaseKeys, releaseQuarantine);
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    releaseKeys.isEmpty() ? "--release-vkey" : "--release-quarantine " + releaseQuarantine,
                    e.getMessage());
        }
        WitnessPolicy policy;
        if (witnesses.isEmpty()) {
            System.err.println("WARNING: --insecure-no-witnesses: the ledger's checkpoints are trusted without any"
                    + " witness cosignature; a ledger operator could show you a view of its own");
            policy = WitnessPolicy.none();
        } else {
            policy = WitnessPolicy.quorum(quorum, witnesses, Duration.ofHours(24));
        }
        Path state = (logFile != null ? logFile : defaultLogFile()).toAbsolutePath();
        DirectoryCheckpointStore checkpoints;
        Path checkpointPath = checkpointDir != null ? checkpointDir : state.resolveSibling("checkpoints");
        try {
            checkpoints = DirectoryCheckpointStore.ownerOnly(checkpointPath);
        } catch (java.io.IOException e) {
            throw new UsageException("--checkpoint-dir " + checkpointPath, e.getMessage());
        }
        dev.cloister.attest.ratls.AcceptedCpuPlatforms.Choice platforms = CpuPlatformOption.parse(cpuPlatform);
        SevSnpPolicy cpu;
        RaTlsPolicy.GpuRequirement gpu;
        dev.cloister.attest.ratls.AcceptedCpuPlatforms accepting;
        if (simRoots != null) {
            SimulatedTeeRoots roots = SimulatedTeeRoots.open("--insecure-simulated-tee", simRoots, platforms);
            cpu = roots.cpu();
            accepting = roots.accepted(platforms);
            gpu = new RaTlsPolicy.RequireGpu(roots.gpu(), Duration.ofMinutes(5));
        } else {
            // Genuine AMD, hardened host (SMT off, VMPL 0), and at least the TCB floors this build ships
            // (AMD-SB-3019 and later bulletins; TcbFloors.shipped()).
            cpu = SevSnpPolicy.genuineAmd()
                    .withMinimumTcb(new dev.cloister.attest.ReferenceValue.MinimumTcb(
                            dev.cloister.attest.sevsnp.TcbFloors.shipped()));
            // Real hardware: genuine NVIDIA evidence whose measurements match the driver and VBIOS RIMs that a
            // logged release names (the only proof that CC is on and developer tools are off).
            gpu = new RaTlsPolicy.RequireGpu(
                    NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5), new RaTlsPolicy.FromLedger());
            // A TD: genuine Intel, TCB status UpToDate, and the registers of one platform of one release; its GPU
            // count and RIMs are those of the release whose registers it matched (java/attest/RA-TLS.md).
            accepting = platforms.with(java.util.Optional.of(CpuPlatformOption.genuineIntelUpToDate()));
        }
        dev.cloister.protocol.padding.SizeBuckets buckets;
        try {
            buckets = new dev.cloister.protocol.padding.SizeBuckets(paddingBucket);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--padding-bucket " + paddingBucket, e.getMessage());
        }
        CloisterClient.Builder builder = CloisterClient.builder(vertx)
                .relay(relay)
                .keyDirectory(keys)
                .gatewayAuthority(origin)
                .ledger(new LogIdentity(logKey.name(), logKey.noteVerifier()), policy, ledger)
                .checkpointStore(checkpoints)
                .platform(cpu, gpu, AttestationVerifier.create())
                .releaseKeys(releaseKeys)
                .releaseQuarantine(releaseQuarantine)
                .issuer(
                        issuer,
                        account,
                        TokenChallenge.of(TokenType.VOPRF_P384_SHA384, issuerName, new byte[0], List.of(origin)))
                .timeout(timeout)
                .requestLog(RequestLog.appendingTo(logFile != null ? logFile : defaultLogFile()))
                .tokenStore((logFile != null ? logFile : defaultLogFile()).resolveSibling("tokens"))
                .tokenRefillDelay(tokenRefillDelay);
        if (revocationMaxAge.isNegative() || revocationMaxAge.isZero()) {
            throw new UsageException("--revocation-max-age " + revocationMaxAge, "must be more than zero");
        }
        builder.revocationMaxAge(revocationMaxAge);
        if (platformPolicyVkey != null) {
            try {
                builder.platformPolicyKey(VerifierKey.parse(platformPolicyVkey).noteVerifier());
            } catch (dev.cloister.ledger.FormatException e) {
                throw new UsageException("--platform-policy-vkey " + platformPolicyVkey, e.getMessage());
            }
        }
        builder.cpuPlatforms(accepting);
        return noPadding ? builder.noPadding() : builder.padding(buckets);
    }
}
