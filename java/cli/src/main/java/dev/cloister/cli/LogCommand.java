package dev.cloister.cli;

import dev.cloister.client.log.RequestLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister log}: prints the request log (JSON lines: what was shared, with which verified software). */
@Command(
        name = "log",
        mixinStandardHelpOptions = true,
        description = "Print the request log: one JSON line per private request (what was shared, relay, key and its "
                + "ledger index, enclave measurement and release, TCB, GPU, witnesses, TLS, outcome).")
public final class LogCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--log-file", description = "The request log (default: ~/.local/share/cloister/request-log.jsonl)")
    Path logFile;

    @Option(names = "--last", defaultValue = "0", description = "Only the last N entries (default: all)")
    int last;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = RequestLog.read(logFile != null ? logFile : SessionOptions.defaultLogFile());
        if (lines.isEmpty()) {
            spec.commandLine().getErr().println("the request log is empty");
        }
        for (String line : last > 0 && lines.size() > last ? lines.subList(lines.size() - last, lines.size()) : lines) {
            out.println(line);
        }
        out.flush();
        return 0;
    }
}
