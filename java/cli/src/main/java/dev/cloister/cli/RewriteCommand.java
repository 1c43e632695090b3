package dev.cloister.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister rewrite --text ...}: a private rewrite of a draft, streamed. */
@Command(
        name = "rewrite",
        mixinStandardHelpOptions = true,
        description = "Rewrite a draft privately in a tone and print the suggestion as it streams.")
public final class RewriteCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(names = "--text", required = true, description = "The draft")
    String text;

    @Option(
            names = "--tone",
            defaultValue = "friendly",
            description = "friendly, formal or concise (default: ${DEFAULT-VALUE})")
    String tone;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        return Sessions.run(
                session,
                spec,
                client -> client.rewrite(text, tone, piece -> {
                    out.print(piece);
                    out.flush();
                }));
    }
}
