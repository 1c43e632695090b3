package dev.cloister.ledgerserver;

import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloister witness}: a C2SP tlog-witness for one or more logs. */
@Command(
        name = "witness",
        mixinStandardHelpOptions = true,
        description = "Run a witness (c2sp.org/tlog-witness): POST /add-checkpoint; refuses rollbacks and forks.")
public final class WitnessCommand implements Callable<Integer> {

    @Option(
            names = "--listen",
            required = true,
            converter = ListenArgument.class,
            description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description = "Directory for the latest cosigned checkpoint per log")
    Path data;

    @Option(names = "--key", required = true, description = "Witness secret key file (see 'ledger keygen --witness')")
    Path key;

    @Option(
            names = "--log",
            required = true,
            description = "vkey of a log to witness (repeatable); its name is the origin")
    List<String> logs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Cosigner cosigner = Arguments.cosigner("--key", key);
        List<LogIdentity> followed = new ArrayList<>();
        for (String vkey : logs) {
            VerifierKey k = Arguments.vkey("--log", vkey);
            try {
                followed.add(new LogIdentity(k.name(), k.noteVerifier()));
            } catch (dev.cloister.ledger.FormatException e) {
                throw new dev.cloister.server.command.UsageException("--log " + vkey, e.getMessage());
            }
        }
        Files.createDirectories(data);
        Witness witness = new Witness(cosigner, followed, new DirectoryCheckpointStore(data));
        NodeRuntime runtime = NodeRuntime.create();
        try {
            runtime.vertx()
                    .deployVerticle(new WitnessVerticle(listen, witness, Clock.systemUTC()))
                    .await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
        System.err.println(
                "cloister witness " + cosigner.name() + " on " + listen + " for " + followed.size() + " log(s)");
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }
}
