package dev.cloister.cli;

import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.monitor.KeyUniqueness;
import dev.cloister.ledger.monitor.LogMonitor;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.tiles.HttpTileSource;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cloister monitor}: a certificate-transparency-style monitor of the ledger. It reads every entry through the
 * log's tiles, checks them against a checkpoint the log signed and the witness quorum cosigned, checks each new
 * checkpoint's consistency with the one seen before (kept in {@code --state} across runs), and applies the key rules
 * ({@link KeyUniqueness}: one issuer key per issuer, token type and epoch; a bounded number of OHTTP keys valid at once).
 * Exit 0 when every rule holds, 1 with each offending entry when one does not, 3 when the log itself cannot be verified.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description = "Check the ledger: every entry against a witnessed checkpoint, consistency across runs, and the"
                + " key rules (one issuer key per epoch, a bounded number of OHTTP keys at once). Exit 1 with the"
                + " offending entries, 3 if the log does not verify.")
public final class MonitorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--ledger", required = true, description = "The ledger's tile URL prefix (/checkpoint, /tile/...)")
    URI ledger;

    @Option(names = "--log-vkey", required = true, description = "The ledger's verifier key (its name is the origin)")
    String logVkey;

    @Option(names = "--witness-vkey", description = "A trusted witness's cosignature vkey; repeatable")
    List<String> witnessVkeys = new ArrayList<>();

    @Option(
            names = "--quorum",
            description = "Witness cosignatures required (default: every --witness-vkey)",
            defaultValue = "0")
    int quorum;

    @Option(
            names = "--max-concurrent-ohttp-keys",
            defaultValue = "" + KeyUniqueness.DEFAULT_MAX_CONCURRENT_OHTTP_KEYS,
            description = "The most OHTTP key entries valid at one instant (default: ${DEFAULT-VALUE})")
    int maxOhttpKeys;

    @Option(names = "--state", description = "Where the last verified checkpoint is kept between runs (owner-only)")
    Path state;

    @Option(names = "--follow", description = "Poll again every INTERVAL (e.g. PT10S) until a rule breaks")
    Duration follow;

    @Override
    public Integer call() throws Exception {
        Arguments.webUrl("--ledger", ledger);
        VerifierKey key = Arguments.vkey("--log-vkey", logVkey);
        List<CosignatureVerifier> witnesses = new ArrayList<>();
        for (String w : witnessVkeys) witnesses.add(Arguments.cosignatureVkey("--witness-vkey", w));
        int required = quorum == 0 ? witnesses.size() : quorum;
        if (required < 0 || required > witnesses.size()) {
            throw new UsageException(
                    "--quorum " + quorum,
                    "must be between 1 and the number of --witness-vkey (" + witnesses.size() + ")");
        }
        if (maxOhttpKeys < 1) {
            throw new UsageException("--max-concurrent-ohttp-keys " + maxOhttpKeys, "must be at least 1");
        }
        if (follow != null && (follow.isNegative() || follow.isZero())) {
            throw new UsageException("--follow " + follow, "must be a positive interval");
        }
        WitnessPolicy policy = witnesses.isEmpty()
                ? WitnessPolicy.none()
                : WitnessPolicy.quorum(required, witnesses, Duration.ofHours(24));
        CheckpointStore store;
        try {
            store = state != null ? DirectoryCheckpointStore.ownerOnly(state) : new InMemoryCheckpointStore();
        } catch (IOException e) {
            throw new UsageException("--state " + state, e.getMessage());
        }
        LogMonitor monitor = new LogMonitor(
                new LogVerifier(new LogIdentity(key.name(), key.noteVerifier()), policy, store),
                new HttpTileSource(ledger, Duration.ofSeconds(10)),
                new KeyUniqueness(maxOhttpKeys));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        while (true) {
            LogMonitor.Report report;
            try {
                report = monitor.poll(Instant.now());
            } catch (LedgerException | IOException e) {
                err.println("monitor: the log does not verify: " + e.getMessage());
                err.flush();
                return 3;
            }
            for (LogMonitor.Violation v : report.violations()) {
                out.println("monitor: entry " + v.index() + " breaks the key rules: " + v.reason());
            }
            out.println("monitor: " + report.entries() + " entries up to checkpoint size "
                    + report.checkpoint().size() + " (root "
                    + report.checkpoint().rootHash().hex() + "), "
                    + report.violations().size() + " violations, " + report.undecodable() + " undecodable"
                    + (witnesses.isEmpty() ? ", no witnesses checked" : ", " + required + " witness cosignatures"));
            out.flush();
            if (!report.violations().isEmpty()) return 1;
            if (follow == null) return 0;
            Thread.sleep(follow.toMillis());
        }
    }
}
