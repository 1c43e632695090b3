package dev.cloister.ledgerserver;

import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519NoteVerifier;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.ledger.note.KeyFiles;
import dev.cloister.server.ledger.LedgerPublisher;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cloister ledger}: the transparency log server, and the tools around it. */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Run the transparency log (C2SP tlog-tiles): /checkpoint, /tile/..., POST /add.",
        subcommands = {LedgerCommand.Keygen.class, LedgerCommand.VerifyProof.class, LedgerCommand.Publish.class})
public final class LedgerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", description = "HOST:PORT to serve on")
    String listen;

    @Option(names = "--data", description = "Log directory (tiles, entry bundles, checkpoint)")
    Path data;

    @Option(names = "--key", description = "Log signer key file (PRIVATE+KEY+...; see 'ledger keygen')")
    Path key;

    @Option(names = "--origin", description = "Log origin line (default: the key name)")
    String origin;

    @Option(names = "--submitters", description = "File of submitter vkeys, one per line")
    Path submitters;

    @Option(names = "--witness", description = "A witness as VKEY@URL: its cosignature vkey (type 0x04) and base URL "
            + "(repeatable); only cosignatures under that key are served")
    List<String> witnesses = new ArrayList<>();

    @Option(names = "--interval", defaultValue = "PT0.5S", description = "Sequencing interval (default: ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--admin-listen", defaultValue = "127.0.0.1:9467", description = "HOST:PORT for /metrics (default: ${DEFAULT-VALUE})")
    String adminListen;

    @Override
    public Integer call() throws Exception {
        if (listen == null || data == null || key == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen, --data and --key are required");
        }
        Ed25519NoteSigner signer = KeyFiles.logSigner(key);
        List<Ed25519NoteVerifier> allowed = submitters == null ? List.of() : KeyFiles.verifiers(submitters);
        Files.createDirectories(data);
        LogStorage storage = LogStorage.open(data);
        Sequencer sequencer = Sequencer.open(storage, origin != null ? origin : signer.name(), signer);
        List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
        for (String witness : witnesses) {
            int at = witness.lastIndexOf('@');
            if (at < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--witness wants VKEY@URL, got " + witness);
            }
            endpoints.add(new LedgerVerticle.WitnessEndpoint(URI.create(witness.substring(at + 1)),
                    CosignatureVerifier.fromVkey(witness.substring(0, at))));
        }
        NodeRuntime runtime = NodeRuntime.create();
        runtime.vertx().deployVerticle(new LedgerVerticle(ListenAddress.parse(listen), sequencer, storage, allowed,
                        endpoints, interval, runtime.registry()))
                .compose(id -> runtime.vertx().deployVerticle(
                        new AdminVerticle(ListenAddress.parse(adminListen), runtime.registry())))
                .await(30, TimeUnit.SECONDS);
        System.err.println("cloister ledger on " + listen + ", " + sequencer.size() + " entries, log key "
                + signer.verifier().verifierKey().encode());
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }

    /** {@code cloister ledger keygen}: a new Ed25519 key for a log, a witness or a submitter. */
    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Generate a key: writes the secret key file and prints the verifier key (vkey).")
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "Key name (e.g. the log origin or the witness name)")
        String name;

        @Option(names = "--out", required = true, description = "Secret key file to write")
        Path out;

        @Option(names = "--witness", description = "Print the tlog-cosignature/v1 vkey (type 0x04) for a witness")
        boolean witness;

        @Override
        public Integer call() throws Exception {
            Ed25519PrivateKey privateKey = Ed25519PrivateKey.generate(new SecureRandom());
            Ed25519NoteSigner signer = new Ed25519NoteSigner(name, privateKey);
            KeyFiles.writeSecret(out, signer.encodeSecret());
            String vkey = witness ? new Cosigner(name, privateKey).verifier().verifierKey().encode()
                    : signer.verifier().verifierKey().encode();
            spec.commandLine().getOut().println(vkey);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code cloister ledger verify-proof}: checks a .tlog-proof offline. */
    @Command(name = "verify-proof", mixinStandardHelpOptions = true,
            description = "Verify a .tlog-proof offline: checkpoint signature, witness quorum and inclusion. Exit 0 only if all hold.")
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--log-vkey", required = true, description = "The log's verifier key")
        String logVkey;

        @Option(names = "--origin", description = "Expected log origin (default: the log key name)")
        String origin;

        @Option(names = "--witness-vkey", description = "A trusted witness's cosignature vkey (repeatable)")
        List<String> witnessVkeys = new ArrayList<>();

        @Option(names = "--quorum", defaultValue = "0", description = "Cosignatures required (default: ${DEFAULT-VALUE})")
        int quorum;

        @Option(names = "--max-age", defaultValue = "P3650D", description = "Oldest acceptable cosignature (default: ${DEFAULT-VALUE})")
        Duration maxAge;

        @Option(names = "--leaf-hash", description = "The entry's leaf hash, hex (SHA-256(0x00 || entry))")
        String leafHash;

        @Option(names = "--entry", description = "The entry file (its leaf hash is computed)")
        Path entry;

        @Option(names = "--at", description = "Verify as of this instant (default: now)")
        Instant at;

        @Parameters(index = "0", description = "The .tlog-proof file")
        Path proof;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                if ((leafHash == null) == (entry == null)) {
                    throw new IllegalArgumentException("give exactly one of --leaf-hash and --entry");
                }
                byte[] leaf = leafHash != null ? HexFormat.of().parseHex(leafHash) : TreeHash.leafHash(Files.readAllBytes(entry));
                VerifierKey logKey = VerifierKey.parse(logVkey);
                NoteVerifier logVerifier = logKey.noteVerifier();
                List<CosignatureVerifier> witnesses = new ArrayList<>();
                for (String w : witnessVkeys) witnesses.add(CosignatureVerifier.fromVkey(w));
                WitnessPolicy policy = quorum == 0 ? WitnessPolicy.none() : WitnessPolicy.quorum(quorum, witnesses, maxAge);
                TlogProof parsed = TlogProof.parse(Files.readAllBytes(proof));
                TlogProof.Verified verified = parsed.verify(leaf,
                        new LogIdentity(origin != null ? origin : logKey.name(), logVerifier), policy,
                        at != null ? at : Instant.now());
                out.println("verified: entry " + verified.index() + " in tree of size "
                        + verified.checkpoint().checkpoint().size() + ", cosigned by " + verified.cosignatures().size()
                        + " trusted witness(es)");
                out.flush();
                return 0;
            } catch (Exception e) {
                out.println("REJECTED: " + e.getMessage());
                out.flush();
                return 1;
            }
        }
    }

    /** {@code cloister ledger publish}: submits an entry and saves its proof. */
    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Submit a Cloister ledger entry (canonical bytes in a file) and write its .tlog-proof.")
    static final class Publish implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--ledger", required = true, description = "Ledger base URL")
        URI ledger;

        @Option(names = "--submitter-key", required = true, description = "Submitter secret key file")
        Path submitterKey;

        @Option(names = "--entry", description = "File with the entry's canonical encoding")
        Path entry;

        @Option(names = "--ohttp-keys", description = "Publish the first key configuration served at this "
                + "application/ohttp-keys URL (a gateway's /ohttp-keys) as an OHTTP key-config entry")
        URI ohttpKeys;

        @Option(names = "--valid-for", defaultValue = "PT24H",
                description = "With --ohttp-keys: validity window from now (default: ${DEFAULT-VALUE})")
        Duration validFor;

        @Option(names = "--proof-out", required = true, description = "Where to write the .tlog-proof")
        Path proofOut;

        @Override
        public Integer call() throws Exception {
            if ((entry == null) == (ohttpKeys == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --entry and --ohttp-keys");
            }
            Ed25519NoteSigner signer = KeyFiles.logSigner(submitterKey);
            Vertx vertx = Vertx.vertx();
            try {
                WebClient web = WebClient.create(vertx);
                byte[] bytes;
                if (entry != null) {
                    bytes = Files.readAllBytes(entry);
                } else {
                    HttpResponse<Buffer> keys = web.getAbs(ohttpKeys.toString()).send().await(30, TimeUnit.SECONDS);
                    if (keys.statusCode() != 200) {
                        spec.commandLine().getErr().println("key directory answered " + keys.statusCode());
                        return 1;
                    }
                    var config = dev.cloister.wire.ohttp.KeyConfigs.decode(keys.body().getBytes()).getFirst();
                    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                    bytes = new dev.cloister.ledger.entry.OhttpKeyConfigEntry(config.encode(), now, now.plus(validFor))
                            .encode();
                }
                LedgerPublisher.Published published;
                try {
                    published = new LedgerPublisher(web, ledger, signer, Duration.ofSeconds(30)).publish(bytes)
                            .await(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    spec.commandLine().getErr().println(e.getMessage());
                    return 1;
                }
                // The proof carries the entry as its extra data, so it is self-contained (the key directory serves it).
                Files.write(proofOut, published.proof().encode());
                spec.commandLine().getOut().println("published as entry " + published.index());
                spec.commandLine().getOut().flush();
                return 0;
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
            }
        }
    }
}
