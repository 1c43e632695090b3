package dev.cloister.ledgerserver;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519NoteVerifier;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.KeyFiles;
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
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
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
@Command(
        name = "ledger",
        mixinStandardHelpOptions = true,
        description = "Run the transparency log (C2SP tlog-tiles): /checkpoint, /tile/..., POST /add.",
        subcommands = {LedgerCommand.Keygen.class, LedgerCommand.VerifyProof.class, LedgerCommand.Publish.class})
public final class LedgerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", converter = ListenArgument.class, description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(names = "--data", paramLabel = "DIR", description = "Log directory (tiles, entry bundles, checkpoint)")
    Path data;

    @Option(names = "--key", description = "Log signer key file (PRIVATE+KEY+...; see 'ledger keygen')")
    Path key;

    @Option(names = "--origin", description = "Log origin line (default: the key name)")
    String origin;

    @Option(names = "--submitters", description = "File of submitter vkeys, one per line")
    Path submitters;

    @Option(
            names = "--witness",
            description = "A witness as VKEY@URL: its cosignature vkey (type 0x04) and base URL "
                    + "(repeatable); only cosignatures under that key are served")
    List<String> witnesses = new ArrayList<>();

    @Option(
            names = "--interval",
            defaultValue = "PT0.5S",
            description = "Sequencing interval (default: ${DEFAULT-VALUE})")
    Duration interval;

    @Option(
            names = "--max-concurrent-ohttp-keys",
            defaultValue = "" + dev.cloister.ledger.monitor.KeyUniqueness.DEFAULT_MAX_CONCURRENT_OHTTP_KEYS,
            description = "The most OHTTP key entries valid at one instant; a submission beyond is refused (409)"
                    + " (default: ${DEFAULT-VALUE})")
    int maxOhttpKeys;

    @Option(
            names = "--recosign-every",
            defaultValue = "PT10M",
            description = "Have the witnesses cosign an unchanged checkpoint again this often, so that proofs stay "
                    + "recent for clients while the log is quiet (default: ${DEFAULT-VALUE})")
    Duration recosignEvery;

    @Option(
            names = "--admin-listen",
            defaultValue = "127.0.0.1:9467",
            converter = ListenArgument.class,
            description = "HOST:PORT for /metrics (default: ${DEFAULT-VALUE})")
    ListenAddress adminListen;

    @Override
    public Integer call() throws Exception {
        if (listen == null || data == null || key == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen, --data and --key are required");
        }
        if (maxOhttpKeys < 1) {
            throw new dev.cloister.server.command.UsageException(
                    "--max-concurrent-ohttp-keys " + maxOhttpKeys, "must be at least 1");
        }
        if (recosignEvery.isNegative() || recosignEvery.isZero()) {
            throw new UsageException("--recosign-every " + recosignEvery, "must be positive");
        }
        Ed25519NoteSigner signer = Arguments.logSigner("--key", key);
        List<Ed25519NoteVerifier> allowed;
        try {
            allowed = submitters == null ? List.of() : KeyFiles.verifiers(submitters);
        } catch (dev.cloister.ledger.FormatException e) {
            throw new UsageException("--submitters " + submitters, e.getMessage());
        }
        List<LedgerVerticle.WitnessEndpoint> endpoints = new ArrayList<>();
        for (String witness : witnesses) {
            int at = witness.lastIndexOf('@');
            if (at < 0) {
                throw new UsageException("--witness " + witness, "want VKEY@URL");
            }
            URI url;
            try {
                url = Arguments.webUrl("--witness", new URI(witness.substring(at + 1)));
            } catch (java.net.URISyntaxException e) {
                throw new UsageException("--witness " + witness, "not a URL after '@': " + e.getMessage());
            }
            endpoints.add(new LedgerVerticle.WitnessEndpoint(
                    url, Arguments.cosignatureVkey("--witness", witness.substring(0, at))));
        }
        Files.createDirectories(data);
        LogStorage storage = LogStorage.open(data);
        Sequencer sequencer = Sequencer.open(storage, origin != null ? origin : signer.name(), signer);
        NodeRuntime runtime = NodeRuntime.create();
        try {
            runtime.vertx()
                    .deployVerticle(new LedgerVerticle(
                            listen,
                            sequencer,
                            storage,
                            allowed,
                            endpoints,
                            interval,
                            runtime.registry(),
                            LedgerVerticle.Limits.DEFAULTS
                                    .withMaxConcurrentOhttpKeys(maxOhttpKeys)
                                    .withRecosignEvery(recosignEvery)))
                    .compose(id -> runtime.vertx().deployVerticle(new AdminVerticle(adminListen, runtime.registry())))
                    .await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
        System.err.println("cloister ledger on " + listen + ", " + sequencer.size() + " entries, log key "
                + signer.verifier().verifierKey().encode());
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }

    /** {@code cloister ledger keygen}: a new Ed25519 key for a log, a witness or a submitter. */
    @Command(
            name = "keygen",
            mixinStandardHelpOptions = true,
            description = "Generate a key: writes the secret key file and prints the verifier key (vkey).")
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "Key name (e.g. the log origin or the witness name)")
        String name;

        @Option(names = "--out", required = true, description = "Secret key file to write")
        Path out;

        @Option(
                names = "--witness",
                description = "A witness key: the file holds a type 0x04 (tlog-cosignature/v1) key "
                        + "and the tlog-cosignature/v1 vkey is printed; without it, a log or submitter key (type 0x01)")
        boolean witness;

        @Option(names = "--force", description = "Replace the key file if it exists (its old key is lost)")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (!dev.cloister.ledger.note.KeyId.isValidName(name)) {
                throw new UsageException("--name " + name, "not a valid key name (no spaces or '+', not empty)");
            }
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (!force) throw new UsageException("--out " + out, "already exists (--force replaces it)");
                if (Files.isDirectory(out)) throw new UsageException("--out " + out, "is a directory");
                Files.delete(out);
            }
            Ed25519PrivateKey privateKey = Ed25519PrivateKey.generate(new SecureRandom());
            Ed25519NoteSigner signer = new Ed25519NoteSigner(name, privateKey);
            KeyFiles.writeSecret(out, witness ? KeyFiles.witnessSecret(name, privateKey) : signer.encodeSecret());
            String vkey = witness
                    ? new Cosigner(name, privateKey).verifier().verifierKey().encode()
                    : signer.verifier().verifierKey().encode();
            spec.commandLine().getOut().println(vkey);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code cloister ledger verify-proof}: checks a .tlog-proof offline. */
    @Command(
            name = "verify-proof",
            mixinStandardHelpOptions = true,
            description =
                    "Verify a .tlog-proof offline: checkpoint signature, witness quorum and inclusion. Exit 0 only if all hold.")
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--log-vkey", required = true, description = "The log's verifier key")
        String logVkey;

        @Option(names = "--origin", description = "Expected log origin (default: the log key name)")
        String origin;

        @Option(names = "--witness-vkey", description = "A trusted witness's cosignature vkey (repeatable)")
        List<String> witnessVkeys = new ArrayList<>();

        @Option(
                names = "--quorum",
                defaultValue = "0",
                description = "Cosignatures required (default: ${DEFAULT-VALUE})")
        int quorum;

        @Option(
                names = "--max-age",
                defaultValue = "P3650D",
                description = "Oldest acceptable cosignature (default: ${DEFAULT-VALUE})")
        Duration maxAge;

        @Option(names = "--leaf-hash", description = "The entry's leaf hash, hex (SHA-256(0x00 || entry))")
        String leafHash;

        @Option(names = "--entry", description = "The entry file (its leaf hash is computed)")
        Path entry;

        @Option(names = "--at", description = "Verify as of this instant (default: now)")
        Instant at;

        @Parameters(index = "0", paramLabel = "PROOF", description = "The .tlog-proof file")
        Path proof;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if ((leafHash == null) == (entry == null)) {
                throw new UsageException("--leaf-hash / --entry", "give exactly one of them");
            }
            byte[] leaf = leafHash != null
                    ? Arguments.hex("--leaf-hash", leafHash, 32)
                    : TreeHash.leafHash(Files.readAllBytes(entry));
            VerifierKey logKey = Arguments.vkey("--log-vkey", logVkey);
            NoteVerifier logVerifier;
            try {
                logVerifier = logKey.noteVerifier();
            } catch (dev.cloister.ledger.FormatException e) {
                throw new UsageException("--log-vkey " + logVkey, e.getMessage());
            }
            List<CosignatureVerifier> witnesses = new ArrayList<>();
            for (String w : witnessVkeys) witnesses.add(Arguments.cosignatureVkey("--witness-vkey", w));
            if (quorum < 0 || quorum > witnesses.size()) {
                throw new UsageException(
                        "--quorum " + quorum,
                        "must be between 0 and the number of --witness-vkey (" + witnesses.size() + ")");
            }
            WitnessPolicy policy = quorum == 0 ? WitnessPolicy.none() : WitnessPolicy.quorum(quorum, witnesses, maxAge);
            byte[] proofBytes = Files.readAllBytes(proof);
            try {
                TlogProof parsed = TlogProof.parse(proofBytes);
                TlogProof.Verified verified = parsed.verify(
                        leaf,
                        new LogIdentity(origin != null ? origin : logKey.name(), logVerifier),
                        policy,
                        at != null ? at : Instant.now());
                out.println("verified: entry " + verified.index() + " in tree of size "
                        + verified.checkpoint().checkpoint().size() + ", cosigned by "
                        + verified.cosignatures().size()
                        + " trusted witness(es)");
                out.flush();
                return 0;
            } catch (dev.cloister.ledger.LedgerException e) {
                out.println("REJECTED: " + e.getMessage());
                out.flush();
                return 1;
            }
        }
    }

    /** {@code cloister ledger publish}: submits an entry and saves its proof. */
    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
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

        @Option(
                names = "--ohttp-keys",
                description = "Publish the first key configuration served at this "
                        + "application/ohttp-keys URL (a gateway's /ohttp-keys) as an OHTTP key-config entry")
        URI ohttpKeys;

        @Option(
                names = "--valid-for",
                defaultValue = "PT24H",
                description = "With --ohttp-keys: validity window from now (default: ${DEFAULT-VALUE})")
        Duration validFor;

        @Option(
                names = "--tcb-floor",
                paramLabel = "PRODUCT:SPLS",
                description = "Publish a platform policy signed with the submitter key: the lowest SEV-SNP TCB per"
                        + " product line, milan:BL:TEE:SNP:UCODE, genoa:BL:TEE:SNP:UCODE or turin:FMC:BL:TEE:SNP:UCODE;"
                        + " repeatable (clients never go below the floors they ship with)")
        java.util.List<String> tcbFloors;

        @Option(names = "--proof-out", required = true, description = "Where to write the .tlog-proof")
        Path proofOut;

        @Override
        public Integer call() throws Exception {
            if ((entry != null ? 1 : 0) + (ohttpKeys != null ? 1 : 0) + (tcbFloors != null ? 1 : 0) != 1) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "give exactly one of --entry, --ohttp-keys and --tcb-floor");
            }
            java.util.List<dev.cloister.ledger.entry.PlatformPolicy.TcbFloor> floors = new java.util.ArrayList<>();
            if (tcbFloors != null) {
                try {
                    for (String f : tcbFloors) {
                        floors.add(dev.cloister.ledger.entry.PlatformPolicy.TcbFloor.parse(f));
                    }
                    floors.sort(
                            java.util.Comparator.comparingInt(f -> f.product().id()));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--tcb-floor: " + e.getMessage());
                }
            }
            Arguments.webUrl("--ledger", ledger);
            if (ohttpKeys != null) Arguments.webUrl("--ohttp-keys", ohttpKeys);
            Ed25519NoteSigner signer = Arguments.logSigner("--submitter-key", submitterKey);
            Vertx vertx = Vertx.vertx();
            try {
                WebClient web = WebClient.create(vertx);
                byte[] bytes;
                if (entry != null) {
                    bytes = Files.readAllBytes(entry);
                } else if (tcbFloors != null) {
                    try {
                        bytes = dev.cloister.ledger.entry.PlatformPolicy.sign(
                                        Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                                        floors,
                                        signer)
                                .encode();
                    } catch (IllegalArgumentException e) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--tcb-floor: " + e.getMessage());
                    }
                } else {
                    HttpResponse<Buffer> keys =
                            web.getAbs(ohttpKeys.toString()).send().await(30, TimeUnit.SECONDS);
                    if (keys.statusCode() != 200) {
                        spec.commandLine().getErr().println("key directory answered " + keys.statusCode());
                        return 1;
                    }
                    var config = dev.cloister.wire.ohttp.KeyConfigs.decode(
                                    keys.body().getBytes())
                            .getFirst();
                    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                    bytes = new dev.cloister.ledger.entry.OhttpKeyConfigEntry(
                                    Bytes.of(config.encode()), now, now.plus(validFor))
                            .encode();
                }
                LedgerPublisher.Published published = new LedgerPublisher(web, ledger, signer, Duration.ofSeconds(30))
                        .publish(bytes)
                        .await(60, TimeUnit.SECONDS);
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
