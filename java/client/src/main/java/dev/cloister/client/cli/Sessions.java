package dev.cloister.client.cli;

import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/** Runs one private request for a command and reports it: the answer, the log entry, or a specific failure. */
final class Sessions {

    private Sessions() {
    }

    static int run(SessionOptions options, CommandSpec spec, Function<CloisterClient, Future<CloisterClient.Answer>> request)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Vertx vertx = Vertx.vertx();
        try (CloisterClient client = options.client(vertx)) {
            CloisterClient.Answer answer = request.apply(client).await(options.timeout.toSeconds() + 30, TimeUnit.SECONDS);
            out.println();
            out.println("verified: " + answer.logEntry().toJson().encode());
            out.flush();
            return 0;
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            out.println();
            if (cause instanceof SessionFailure f) {
                err.println("refused (" + f.kind().name().toLowerCase().replace('_', '-') + (f.retryable()
                        ? ", retryable" : "") + "): " + f.getMessage());
            } else {
                err.println("failed: " + cause.getMessage());
            }
            err.flush();
            return 1;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
