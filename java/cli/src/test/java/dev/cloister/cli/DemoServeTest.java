package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cloister demo --serve} as a user runs it, in a process of its own: it prints the proxy's base URL and the
 * SESSION-OPTIONS and writes them to a file; a curl-style request to the URL gets a completion; a separate
 * {@code cloister summarize} given the options from the file uses the same deployment; SIGTERM (what Ctrl-C and
 * {@code kill} do) stops every party before the process exits, and their ports are closed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DemoServeTest {

    private static final Pattern PROXY = Pattern.compile("OpenAI-compatible proxy: (http://127\\.0\\.0\\.1:(\\d+)/v1)");

    @TempDir
    Path dir;

    private Process demo;

    @AfterEach
    void stop() {
        if (demo != null) demo.destroyForcibly();
    }

    @Test
    void servesUntilInterruptedThenStopsEveryParty() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        Path options = dir.resolve("session-options");
        Path output = dir.resolve("demo.log");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.cloister.cli.Launcher",
                "demo",
                "--serve",
                "--model",
                "stories260K",
                "--models-dir",
                models.toString(),
                "--enclaves",
                "1",
                "--max-tokens",
                "16",
                "--proxy-listen",
                "127.0.0.1:0",
                "--session-options-out",
                options.toString()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        demo = builder.start();

        String printed = awaitOutput(output, "serving until interrupted", Duration.ofSeconds(180));
        Matcher proxy = PROXY.matcher(printed);
        assertTrue(proxy.find(), printed);
        String baseUrl = proxy.group(1);
        int proxyPort = Integer.parseInt(proxy.group(2));

        // The options file: one argument per line, the same arguments the output shows (shell-quoted there).
        List<String> args = Files.readAllLines(options, StandardCharsets.UTF_8);
        assertTrue(args.contains("--relay") && args.contains("--keys") && args.contains("--insecure-simulated-tee"));
        String shown = String.join(" ", args.stream().map(DemoCommand::quoted).toList());
        assertTrue(printed.contains("  " + shown + "\n"), printed);

        // curl -s $URL/chat/completions -H 'content-type: application/json' -d '{...}'
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpResponse<String> models200 = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/models"))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models200.statusCode(), models200.body());
        String model = new JsonObject(models200.body())
                .getJsonArray("data")
                .getJsonObject(0)
                .getString("id");
        assertEquals("stories260K", model);
        HttpResponse<String> completion = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":"
                                + "[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":8}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, completion.statusCode(), completion.body());
        JsonObject answer = new JsonObject(completion.body());
        assertEquals("chat.completion", answer.getString("object"));
        assertEquals(8, answer.getJsonObject("usage").getInteger("completion_tokens"));
        assertFalse(answer.getJsonArray("choices")
                .getJsonObject(0)
                .getJsonObject("message")
                .getString("content")
                .isEmpty());

        // A separate client, configured only by the options file, against the same deployment.
        Path chat = dir.resolve("chat.json");
        assertEquals(
                0,
                LauncherRun.of("demo", "--write-sample-chat", chat.toString()).code());
        List<String> summarize = new ArrayList<>(List.of("summarize", "--file", chat.toString()));
        summarize.addAll(args);
        summarize.addAll(List.of("--log-file", dir.resolve("client-log.jsonl").toString()));
        LauncherRun run = LauncherRun.of(summarize.toArray(String[]::new));
        assertEquals(0, run.code(), run.output());
        List<String> entries = Files.readAllLines(dir.resolve("client-log.jsonl"), StandardCharsets.UTF_8);
        assertEquals(1, entries.size());
        assertEquals(
                "ok",
                new JsonObject(entries.getFirst()).getJsonObject("outcome").getString("result"),
                entries.getFirst());

        // SIGTERM: every party stops, then the process exits by itself; nothing listens any more.
        List<Integer> ports = new ArrayList<>(List.of(proxyPort));
        for (String option : List.of("--relay", "--keys", "--issuer")) {
            ports.add(URI.create(args.get(args.indexOf(option) + 1)).getPort());
        }
        for (int port : ports) assertTrue(listening(port), "port " + port + " is open while serving");
        demo.destroy();
        assertTrue(demo.waitFor(90, TimeUnit.SECONDS), "the demo stops within 90 s: " + Files.readString(output));
        String all = Files.readString(output);
        assertTrue(all.contains("stopping\n"), all);
        assertTrue(
                all.contains("stopped: the proxy, relay, gateway, issuer, key directory, ledger, witnesses and "
                        + "enclaves are closed"),
                all);
        for (int port : ports) assertFalse(listening(port), "port " + port + " is closed");
    }

    private String awaitOutput(Path output, String line, Duration limit) throws Exception {
        long until = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < until) {
            String text = Files.exists(output) ? Files.readString(output) : "";
            if (text.contains(line)) return text;
            if (!demo.isAlive()) throw new AssertionError("the demo exited (" + demo.exitValue() + "): " + text);
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + line + "' within " + limit + ": " + Files.readString(output));
    }

    private static boolean listening(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }
}
