package dev.cloister.cli;

import dev.cloister.ledgerserver.LedgerCommand;
import dev.cloister.ledgerserver.WitnessCommand;
import dev.cloister.operator.GatewayCommand;
import dev.cloister.operator.IssuerCommand;
import dev.cloister.relay.RelayCommand;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.command.CommandErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cloister} command line: every server role and the client commands. */
@Command(
        name = "cloister",
        mixinStandardHelpOptions = true,
        version = "cloister 0.1.0",
        description = "Private AI processing: relay, gateway, issuer, ledger and witness servers, and their clients.",
        subcommands = {
            DemoCommand.class,
            GatewayCommand.class,
            RelayCommand.class,
            IssuerCommand.class,
            LedgerCommand.class,
            WitnessCommand.class,
            dev.cloister.operator.KeysCommand.class,
            dev.cloister.enclave.EnclaveCommand.class,
            AttestCommand.class,
            RequestCommand.class,
            dev.cloister.cli.SummarizeCommand.class,
            dev.cloister.cli.RewriteCommand.class,
            dev.cloister.cli.ProxyCommand.class,
            dev.cloister.cli.LogCommand.class,
            dev.cloister.cli.MonitorCommand.class,
            dev.cloister.cli.GenerateCommand.class,
            dev.cloister.cli.ModelCommand.class,
            CvmCommand.class,
            ReleaseCommand.class,
            SoakCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Launcher implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(
            names = CommandErrors.VERBOSE,
            scope = CommandLine.ScopeType.INHERIT,
            description = "On a failure, print the stack trace too")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line {@code main} runs: every command's failure answered in one line ({@link CommandErrors}). */
    public static CommandLine commandLine() {
        return CommandErrors.install(new CommandLine(new Launcher()));
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0 || !ServerCommand.keepsRunning()) {
            System.exit(code);
        }
    }
}
