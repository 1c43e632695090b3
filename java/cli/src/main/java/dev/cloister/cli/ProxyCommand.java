package dev.cloister.cli;

import dev.cloister.base.SecretBytes;
import dev.cloister.cli.proxy.OpenAiProxy;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.command.UsageException;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister proxy}: a local OpenAI-compatible endpoint whose every request is a private session. */
@Command(
        name = "proxy",
        mixinStandardHelpOptions = true,
        description = "Serve /v1/chat/completions and /v1/models locally; each request runs as one private session "
                + "(every check, a token, a request-log entry). Runs until interrupted.")
public final class ProxyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:8080",
            paramLabel = "HOST:PORT",
            description = "Where to listen (default: ${DEFAULT-VALUE}); off loopback --api-key-file is required")
    String listen;

    @Option(
            names = "--api-key-file",
            paramLabel = "FILE",
            description = "A file holding the API key callers must send as 'Authorization: Bearer KEY'")
    Path apiKeyFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        OpenAiProxy.Config config = config(listen, apiKeyFile);
        Vertx vertx = Vertx.vertx();
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted.countDown();
            try {
                stopped.await(30, TimeUnit.SECONDS); // let the proxy and the client close before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (CloisterClient client = session.client(vertx)) {
            OpenAiProxy proxy = OpenAiProxy.start(vertx, client, config).await(30, TimeUnit.SECONDS);
            out.println("OpenAI-compatible proxy: " + proxy.baseUrl() + "  (each request is a private session)");
            out.flush();
            Runtime.getRuntime().addShutdownHook(hook);
            interrupted.await();
            proxy.close().await(10, TimeUnit.SECONDS);
            return 0;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            stopped.countDown();
        }
    }

    /** The proxy's configuration from the options: the address, and the API key's digest when a file is given. */
    static OpenAiProxy.Config config(String listen, Path apiKeyFile) throws Exception {
        ListenAddress address;
        try {
            address = ListenAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--listen " + listen, e.getMessage());
        }
        Optional<SecretBytes> key = Optional.empty();
        if (apiKeyFile != null) {
            String text;
            try {
                text = Files.readString(apiKeyFile, StandardCharsets.UTF_8).strip();
            } catch (java.io.IOException e) {
                throw new UsageException("--api-key-file " + apiKeyFile, "cannot be read");
            }
            if (text.length() < 16 || text.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new UsageException(
                        "--api-key-file " + apiKeyFile, "must hold one key of at least 16 printable characters");
            }
            key = Optional.of(SecretBytes.takeFrom(OpenAiProxy.sha256(text.getBytes(StandardCharsets.UTF_8))));
        }
        try {
            return new OpenAiProxy.Config(address, key, ChatCompletionRequest.Limits.DEFAULT);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--listen " + listen, e.getMessage());
        }
    }
}
