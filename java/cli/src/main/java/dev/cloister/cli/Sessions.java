package dev.cloister.cli;

import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.server.command.UsageException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/** Runs one private request for a command and reports it: the answer, the log entry, or a specific failure. */
final class Sessions {

    private Sessions() {}

    /**
     * Runs the request; a refusal is printed with its layer and reason (exit 1). What the options refuse before any
     * network use ({@link UsageException}) and failures that are not refusals go to the launcher, which words them.
     */
    static int run(
            SessionOptions options, CommandSpec spec, Function<CloisterClient, Future<CloisterClient.Answer>> request)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Vertx vertx = Vertx.vertx();
        try (CloisterClient client = options.client(vertx)) {
            CloisterClient.Answer answer =
                    request.apply(client).await(options.timeout.toSeconds() + 30, TimeUnit.SECONDS);
            out.println();
            out.println("verified: " + answer.logEntry().toJson().encode());
            out.flush();
            return 0;
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof SessionFailure f)) {
                throw e;
            }
            out.println();
            out.flush();
            err.println("refused (" + f.kind().name().toLowerCase().replace('_', '-')
                    + (f.retryable() ? ", retryable" : "") + "): " + reason(f));
            err.flush();
            return 1;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** The refusal's reason, never empty: the failure's words, else its cause's, else what the layer leaves unsaid. */
    static String reason(SessionFailure f) {
        String said = f.getMessage() == null ? "" : f.getMessage().strip();
        if (!said.isEmpty() && !said.endsWith(":")) return said;
        String cause = f.getCause() == null || f.getCause().getMessage() == null
                ? ""
                : f.getCause().getMessage().strip();
        String missing = cause.isEmpty()
                ? switch (f.kind()) {
                    case TOKEN ->
                        "no reason given (a token is refused when it was spent before or its issuer key is not "
                                + "accepted)";
                    default -> "no reason given";
                }
                : cause;
        return said.isEmpty() ? missing : said + " " + missing;
    }
}
