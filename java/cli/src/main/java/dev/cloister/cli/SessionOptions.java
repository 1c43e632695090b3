package dev.cloister.cli;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.client.log.RequestLog;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.WitnessPolicy;
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

    @Option(names = "--witness-vkey", description = "A trusted witness's cosignature vkey; repeatable")
    List<String> witnessVkeys = new ArrayList<>();

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

    @Option(names = "--log-file", description = "The request log (default: ~/.local/share/cloister/request-log.jsonl)")
    Path logFile;

    @Option(
            names = "--timeout",
            defaultValue = "PT60S",
            description = "Timeout per request (default: ${DEFAULT-VALUE})")
    Duration timeout;

    static Path defaultLogFile() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "cloister", "request-log.jsonl");
    }

    /** Checks what needs no network: URLs, keys, the witness quorum, the simulated roots. */
    CloisterClient client(Vertx vertx) throws Exception {
        Arguments.webUrl("--relay", relay);
        Arguments.webUrl("--keys", keys);
        Arguments.webUrl("--issuer", issuer);
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
        if (!witnesses.isEmpty() && (quorum < 1 || quorum > witnesses.size())) {
            throw new UsageException(
                    "--quorum " + quorum,
                    "must be between 1 and the number of --witness-vkey (" + witnesses.size() + ")");
        }
        WitnessPolicy policy = witnesses.isEmpty()
                ? WitnessPolicy.none()
                : WitnessPolicy.quorum(quorum, witnesses, Duration.ofHours(24));
        SevSnpPolicy cpu;
        RaTlsPolicy.GpuRequirement gpu;
        if (simRoots != null) {
            SimulatedTeeRoots roots = SimulatedTeeRoots.open("--insecure-simulated-tee", simRoots);
            cpu = roots.cpu();
            gpu = new RaTlsPolicy.RequireGpu(roots.gpu(), Duration.ofMinutes(5));
        } else {
            cpu = SevSnpPolicy.genuineAmd();
            // Real hardware: genuine NVIDIA evidence whose measurements match the driver and VBIOS RIMs that a
            // logged release names (the only proof that CC is on and developer tools are off).
            gpu = new RaTlsPolicy.RequireGpu(
                    NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5), new RaTlsPolicy.FromLedger());
        }
        return CloisterClient.builder(vertx)
                .relay(relay)
                .keyDirectory(keys)
                .gatewayAuthority(origin)
                .ledger(new LogIdentity(logKey.name(), logKey.noteVerifier()), policy)
                .platform(cpu, gpu, AttestationVerifier.create())
                .issuer(
                        issuer,
                        account,
                        TokenChallenge.of(TokenType.VOPRF_P384_SHA384, issuerName, new byte[0], List.of(origin)))
                .timeout(timeout)
                .requestLog(RequestLog.appendingTo(logFile != null ? logFile : defaultLogFile()))
                .tokenStore((logFile != null ? logFile : defaultLogFile()).resolveSibling("tokens"))
                .build();
    }
}
