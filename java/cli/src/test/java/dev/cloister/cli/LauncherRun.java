package dev.cloister.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code cloister} launcher's command line (what {@code main} runs), and what it printed. */
record LauncherRun(int code, String out, String err) {

    static LauncherRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Launcher.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new LauncherRun(code, out.toString(), err.toString());
    }

    /** Standard output, then standard error, without surrounding blank space. */
    String output() {
        return (out + err).strip();
    }
}
