package dev.cloister.cli;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.server.command.Arguments;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.ohttp.KeyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister request}: one Oblivious HTTP request through a relay, printed as status and body. */
@Command(
        name = "request",
        mixinStandardHelpOptions = true,
        description = "Send one request through an Oblivious HTTP relay and print the gateway's answer.")
public final class RequestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--relay", required = true, description = "Relay URL, e.g. http://127.0.0.1:8081/relay")
    URI relay;

    @Option(
            names = "--keys",
            required = true,
            description = "Key configuration URL, e.g. http://127.0.0.1:8080/ohttp-keys")
    URI keys;

    @Option(names = "--method", defaultValue = "POST", description = "Inner request method (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--authority", defaultValue = "gateway.cloister.invalid", description = "Inner request authority")
    String authority;

    @Option(names = "--path", defaultValue = "/", description = "Inner request path (default: ${DEFAULT-VALUE})")
    String path;

    @Option(names = "--data", description = "Inner request body text")
    String data;

    @Option(names = "--data-file", description = "Inner request body from a file")
    Path dataFile;

    @Option(names = "--chunked", description = "Use chunked OHTTP (message/ohttp-chunked-req)")
    boolean chunked;

    @Option(
            names = "--timeout",
            defaultValue = "PT10S",
            description = "Timeout (ISO-8601 duration, default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Arguments.webUrl("--relay", relay);
        Arguments.webUrl("--keys", keys);
        byte[] body = dataFile != null
                ? Files.readAllBytes(dataFile)
                : data != null ? data.getBytes(StandardCharsets.UTF_8) : new byte[0];
        BinaryRequest request = BinaryRequest.of(
                method,
                "https",
                authority,
                path,
                body.length > 0 ? FieldSection.of("content-type", "text/plain; charset=utf-8") : FieldSection.EMPTY,
                body);
        Vertx vertx = Vertx.vertx();
        try (ObliviousHttpClient client = new ObliviousHttpClient(vertx, relay, timeout)) {
            Future<BinaryResponse> answer = client.fetchKeys(keys).compose(configs -> {
                KeyConfig config = configs.getFirst();
                return chunked ? client.sendChunked(config, request, 1024, chunk -> {}) : client.send(config, request);
            });
            BinaryResponse response = answer.await(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            out.println("status " + response.status());
            out.println(new String(response.content(), StandardCharsets.UTF_8));
            out.flush();
            return response.status() < 400 ? 0 : 1;
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }
}
