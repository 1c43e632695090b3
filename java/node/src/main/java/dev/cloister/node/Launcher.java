package dev.cloister.node;

import dev.cloister.client.cli.RequestCommand;
import dev.cloister.node.cli.AttestCommand;
import dev.cloister.node.cli.DemoCommand;
import dev.cloister.node.cli.GatewayCommand;
import dev.cloister.node.cli.IssuerCommand;
import dev.cloister.node.cli.LedgerCommand;
import dev.cloister.node.cli.WitnessCommand;
import dev.cloister.node.cli.RelayCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cloister} command line: every server role and the client commands. */
@Command(name = "cloister", mixinStandardHelpOptions = true, version = "cloister 0.1.0",
        description = "Private AI processing: relay, gateway, issuer, ledger and witness servers, and their clients.",
        subcommands = {DemoCommand.class, GatewayCommand.class, RelayCommand.class, IssuerCommand.class,
            LedgerCommand.class, WitnessCommand.class, dev.cloister.node.cli.KeysCommand.class,
            dev.cloister.node.cli.EnclaveCommand.class, AttestCommand.class,
            RequestCommand.class, dev.cloister.client.cli.SummarizeCommand.class,
            dev.cloister.client.cli.RewriteCommand.class, dev.cloister.client.cli.LogCommand.class,
            dev.cloister.node.infer.GenerateCommand.class, dev.cloister.node.infer.ModelCommand.class,
            CommandLine.HelpCommand.class})
public final class Launcher implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = CommandErrors.VERBOSE, scope = CommandLine.ScopeType.INHERIT,
            description = "On a failure, print the stack trace too")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line {@code main} runs: every command's failure answered in one line ({@link CommandErrors}). */
    public static CommandLine commandLine() {
        CommandErrors errors = new CommandErrors();
        return new CommandLine(new Launcher()).setParameterExceptionHandler(errors).setExecutionExceptionHandler(errors);
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0 || !ServerCommand.keepsRunning()) {
            System.exit(code);
        }
    }
}
