package dev.cloister.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.log.RequestLog;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.enclave.Enclave;
import dev.cloister.enclave.EnclaveSession;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.witness.WitnessPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK against {@code cloister proxy} on a loopback deployment (stories260K in two simulated
 * enclaves): every request is a private session, answered in the OpenAI shapes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OpenAiProxyTest {

    @TempDir
    static Path dir;

    static Vertx vertx;
    static PrometheusMeterRegistry registry;
    static LocalDeployment deployment;
    static CloisterClient client;
    static RequestLog log = RequestLog.inMemory();
    static OpenAiProxy proxy;
    static OpenAIClient openai;
    static final List<EnclaveSession> sessions = new CopyOnWriteArrayList<>();
    static String model;

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        deployment = LocalDeployment.start(
                vertx,
                dir,
                registry,
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withMaxOutputTokens(400));
        for (Enclave enclave : deployment.enclaves()) enclave.verticle().observeSessions(sessions::add);
        client = deployment.client().requestLog(log).build();
        proxy = OpenAiProxy.start(vertx, client, OpenAiProxy.Config.loopback(0)).await(30, TimeUnit.SECONDS);
        openai = sdk(proxy);
        model = deployment.modelId();
    }

    static OpenAIClient sdk(OpenAiProxy to) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(to.baseUrl())
                .apiKey("not-checked-on-loopback")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (openai != null) openai.close();
        if (proxy != null) proxy.close().await(10, TimeUnit.SECONDS);
        if (client != null) client.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    static ChatCompletionCreateParams.Builder greedy(String prompt, long maxTokens) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(prompt)
                .temperature(0.0)
                .maxCompletionTokens(maxTokens);
    }

    /** A streamed completion, read to its end: the text, the last finish reason, the usage if sent. */
    record Streamed(String text, String finish, long promptTokens, long completionTokens, int chunks) {}

    static Streamed stream(OpenAIClient sdk, ChatCompletionCreateParams params) {
        StringBuilder text = new StringBuilder();
        String[] finish = {null};
        long[] usage = {-1, -1};
        int[] chunks = {0};
        try (StreamResponse<ChatCompletionChunk> response =
                sdk.chat().completions().createStreaming(params)) {
            response.stream().forEach(chunk -> {
                chunks[0]++;
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
                chunk.usage().ifPresent(u -> {
                    usage[0] = u.promptTokens();
                    usage[1] = u.completionTokens();
                });
            });
        }
        return new Streamed(text.toString(), finish[0], usage[0], usage[1], chunks[0]);
    }

    static double meter(String name) {
        return registry.find(name).meters().stream()
                .mapToDouble(m -> m.measure().iterator().next().getValue())
                .sum();
    }

    @Test
    void wholeCompletionWithUsageAndALengthFinish() {
        int before = log.entries().size();
        ChatCompletion completion =
                openai.chat().completions().create(greedy("Once upon a time", 8).build());
        assertEquals("chat.completion", completion._object_().asString().orElseThrow());
        assertEquals(model, completion.model());
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertFalse(choice.message().content().orElseThrow().isEmpty());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
        var usage = completion.usage().orElseThrow();
        assertEquals(8, usage.completionTokens());
        assertTrue(usage.promptTokens() > 2, usage.toString());
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        // One private session, one request-log entry, with what was verified.
        var entry = log.entries().get(before);
        assertEquals("chat", entry.getString("use_case"));
        assertEquals("ok", entry.getJsonObject("outcome").getString("result"), entry.encode());
        assertTrue(
                entry.containsKey("enclave") && entry.containsKey("token") && entry.containsKey("ledger"),
                entry.encode());
        assertEquals(before + 1, log.entries().size(), "one entry per request");
    }

    @Test
    void streamedCompletionIsTheSameTextWithUsageLast() {
        String whole = openai.chat()
                .completions()
                .create(greedy("Once upon a time", 12).build())
                .choices()
                .getFirst()
                .message()
                .content()
                .orElseThrow();
        Streamed streamed = stream(
                openai,
                greedy("Once upon a time", 12)
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build());
        assertEquals(whole, streamed.text(), "greedy decoding: the same text whole or streamed");
        assertEquals("length", streamed.finish());
        assertEquals(12, streamed.completionTokens());
        assertTrue(streamed.chunks() > 3, "the answer arrived in pieces: " + streamed);
        Streamed noUsage = stream(openai, greedy("Once upon a time", 4).build());
        assertEquals(-1, noUsage.completionTokens(), "no usage chunk unless asked for");
    }

    @Test
    void stopSequencesEndTheAnswerBeforeThem() {
        String text = openai.chat()
                .completions()
                .create(greedy("Once upon a time", 24).build())
                .choices()
                .getFirst()
                .message()
                .content()
                .orElseThrow();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        String expected = text.substring(0, text.indexOf(stop));
        ChatCompletion stopped = openai.chat()
                .completions()
                .create(greedy("Once upon a time", 24).stop(stop).build());
        assertEquals(expected, stopped.choices().getFirst().message().content().orElseThrow());
        assertEquals(
                ChatCompletion.Choice.FinishReason.STOP,
                stopped.choices().getFirst().finishReason());
        Streamed streamed =
                stream(openai, greedy("Once upon a time", 24).stop(stop).build());
        assertEquals(expected, streamed.text());
        assertEquals("stop", streamed.finish());
    }

    @Test
    void unknownModelIsA404ErrorObject() {
        NotFoundException e = assertThrows(
                NotFoundException.class,
                () -> openai.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("gpt-4o")
                                .addUserMessage("hello")
                                .build()));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElseThrow());
        assertEquals("invalid_request_error", e.type().orElseThrow());
        assertEquals(
                List.of(model),
                openai.models().list().data().stream().map(m -> m.id()).toList(),
                "/v1/models lists the enclave's model");
    }

    @Test
    void aPromptLongerThanTheContextIsA413() {
        String longPrompt = "Once upon a time there was a little dog. ".repeat(200);
        OpenAIServiceException e = assertThrows(
                OpenAIServiceException.class,
                () -> openai.chat().completions().create(greedy(longPrompt, 8).build()));
        assertEquals(413, e.statusCode());
        assertEquals("context_length_exceeded", e.code().orElseThrow());
    }

    @Test
    void sixteenConcurrentStreamsAllComplete() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Streamed>> running = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                running.add(pool.submit(
                        () -> stream(openai, greedy("Once upon a time", 16).build())));
            }
            List<Streamed> done = new ArrayList<>();
            for (Future<Streamed> f : running) done.add(f.get(120, TimeUnit.SECONDS));
            for (Streamed s : done) {
                assertEquals("length", s.finish(), s.toString());
                assertEquals(done.getFirst().text(), s.text(), "greedy: every stream the same text");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The raw framing a curl user sees: data lines, blank-line separators, and [DONE] last. */
    @Test
    void eventStreamFramingIsExact() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":3,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl() + "/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(
                "text/event-stream",
                response.headers().firstValue("content-type").orElseThrow());
        String events = response.body();
        assertTrue(events.endsWith("\n\ndata: [DONE]\n\n"), events);
        String[] blocks = events.split("\n\n", -1);
        assertEquals("", blocks[blocks.length - 1]);
        // role chunk, 3 text chunks (a token may end inside a character: at most 3), finish chunk, [DONE]
        assertTrue(blocks.length - 1 >= 4 && blocks.length - 1 <= 6, events);
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: ") && !blocks[i].contains("\n"), "one data line: " + blocks[i]);
        }
        assertTrue(blocks[0].contains("\"role\":\"assistant\""), blocks[0]);
        assertTrue(blocks[blocks.length - 3].contains("\"finish_reason\":\"length\""), events);
        HttpResponse<String> bad = http.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl() + "/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"n\":3}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().startsWith("{\"error\":{\"message\":"), bad.body());
    }

    /**
     * A caller that goes away mid-stream: the proxy resets the session's exchange, the relay and the gateway pass the
     * reset on, and the enclave cancels the generation and closes its sequence (KV blocks zeroed and freed).
     */
    @Test
    void aCancelledStreamFreesTheEnclavesSequence() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            double cancelledBefore = meter("cloister.enclave.generations.cancelled");
            HttpURLConnection connection = (HttpURLConnection)
                    URI.create(proxy.baseUrl() + "/chat/completions").toURL().openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("content-type", "application/json");
            connection
                    .getOutputStream()
                    .write(("{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":400,\"temperature\":1.0,"
                                    + "\"seed\":" + attempt
                                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}")
                            .getBytes(StandardCharsets.UTF_8));
            try (InputStream in = connection.getInputStream()) {
                byte[] first = new byte[6];
                assertEquals(6, in.readNBytes(first, 0, 6));
                assertEquals("data: ", new String(first, StandardCharsets.US_ASCII));
            }
            connection.disconnect(); // closes the socket mid-stream
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until
                    && (meter("cloister.enclave.sequences.open") > 0 || proxy.openStreams() > 0)) {
                Thread.sleep(20);
            }
            assertEquals(0.0, meter("cloister.enclave.sequences.open"), "every sequence was closed");
            assertEquals(0, proxy.openStreams());
            if (meter("cloister.enclave.generations.cancelled") == cancelledBefore + 1) {
                return; // cancelled mid-generation, as it should be
            }
            // The generation finished before the reset arrived (it can be that fast): try once more.
        }
        throw new AssertionError("no cancelled stream reached the enclave in 3 tries");
    }

    /**
     * The proxy's last bound: a caller that sends a streamed request and then reads nothing, on a proxy whose bound
     * (1 KiB) is below the write queue that would pause the answer (64 KiB), is cut off once more than the bound waits
     * for it: the proxy cancels the session (the enclave frees the sequence) and closes the connection; the event loop
     * never waits, so a normal stream on the same proxy completes meanwhile.
     */
    @Test
    void aCallerThatStopsReadingIsCutOffAtTheBound() throws Exception {
        OpenAiProxy bounded = OpenAiProxy.start(
                        vertx, client, OpenAiProxy.Config.loopback(0).withSlowReaderBounds(1024, 4096))
                .await(30, TimeUnit.SECONDS);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", bounded.port()), 5000);
            String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":400,\"temperature\":0,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                                    + "content-type: application/json\r\ncontent-length: " + bytes.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            // Not reading: the events pile up past the socket buffers, then past the proxy's bound.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < until && (bounded.slowReadersCut() == 0 || bounded.openStreams() > 0)) {
                Thread.sleep(20);
            }
            assertEquals(1, bounded.slowReadersCut(), "the stalled caller was cut off");
            assertEquals(0, bounded.openStreams());
            Streamed meanwhile =
                    stream(sdk(bounded), greedy("Once upon a time", 8).build());
            assertEquals("length", meanwhile.finish(), "the proxy kept serving");
            // What had fit in the buffers arrives, then the connection ends without [DONE].
            socket.setSoTimeout(10_000);
            String received;
            try {
                received = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.net.SocketException reset) {
                received = "";
            }
            assertFalse(received.contains("[DONE]"), received);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && meter("cloister.enclave.sequences.open") > 0) Thread.sleep(20);
            assertEquals(0.0, meter("cloister.enclave.sequences.open"), "the enclave's sequence was freed");
        } finally {
            bounded.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** The body of a raw HTTP/1.1 response with chunked transfer coding, read {@code step} bytes at a time. */
    static byte[] readChunkedSlowly(InputStream in, int step, long pauseMillis) throws Exception {
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[step];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            raw.write(buffer, 0, n);
            if (pauseMillis > 0) Thread.sleep(pauseMillis);
        }
        byte[] all = raw.toByteArray();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\r\n\r\n") + 4;
        assertTrue(text.startsWith("HTTP/1.1 200"), () -> text.substring(0, Math.min(200, text.length())));
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            int size =
                    Integer.parseInt(text.substring(at, lineEnd).split(";")[0].strip(), 16);
            at = lineEnd + 2;
            if (size == 0) break;
            body.write(all, at, size);
            at += size + 2;
        }
        return body.toByteArray();
    }

    /** A raw streamed request on a fresh connection whose receive buffer is {@code receiveBuffer} bytes. */
    static java.net.Socket streamedRequest(OpenAiProxy to, String body, int receiveBuffer) throws Exception {
        java.net.Socket socket = new java.net.Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", to.port()), 5000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream()
                .write(("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
                                + "content-type: application/json\r\ncontent-length: " + bytes.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** The events with the two fields that differ between completions ({@code id}, {@code created}) blanked. */
    static String withoutIdentity(byte[] events) {
        return new String(events, StandardCharsets.UTF_8)
                .replaceAll("\"id\":\"chatcmpl-[A-Za-z0-9_-]+\"", "\"id\":\"\"")
                .replaceAll("\"created\":[0-9]+", "\"created\":0");
    }

    /**
     * Backpressure end to end: a caller that reads slowly (a 4 KiB socket buffer, 512 bytes every 10 ms) gets the same
     * events, byte for byte but for the completion's id and time, as a caller that reads at once; the proxy paused the
     * answer instead of cutting it off, and the enclave's outbox never held more than its bound.
     */
    @Test
    void aSlowReaderGetsTheSameAnswerAsAFastOneWithEveryBufferBounded() throws Exception {
        OpenAiProxy paced = OpenAiProxy.start(
                        vertx,
                        client,
                        OpenAiProxy.Config.loopback(0)
                                .withSlowReaderBounds(OpenAiProxy.DEFAULT_MAX_PENDING_BYTES, 4096)
                                .withWriteQueue(4096))
                .await(30, TimeUnit.SECONDS);
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":400,\"temperature\":0,"
                + "\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
        try {
            byte[] fast;
            try (java.net.Socket socket = streamedRequest(paced, body, 1 << 20)) {
                fast = readChunkedSlowly(socket.getInputStream(), 1 << 16, 0);
            }
            long pausesBefore = paced.answersPaused();
            byte[] slow;
            try (java.net.Socket socket = streamedRequest(paced, body, 4096)) {
                slow = readChunkedSlowly(socket.getInputStream(), 512, 10);
            }
            assertTrue(new String(fast, StandardCharsets.UTF_8).endsWith("data: [DONE]\n\n"));
            assertTrue(fast.length > 16 * 1024, () -> "a long answer: " + fast.length + " bytes");
            assertEquals(withoutIdentity(fast), withoutIdentity(slow), "the slow reader's events are the fast one's");
            assertTrue(paced.answersPaused() > pausesBefore, "the proxy paused the answer for the slow reader");
            assertEquals(0, paced.slowReadersCut(), "and cut nobody off");
            double peak = registry.find("cloister.enclave.outbox.queued.peak").summaries().stream()
                    .mapToDouble(io.micrometer.core.instrument.DistributionSummary::max)
                    .max()
                    .orElseThrow();
            // RecordOutbox.DEFAULT_PAUSE_BYTES (32 KiB), plus the records of the step that paused and the answer's end
            assertTrue(peak <= 32 * 1024 + 4096, () -> "the enclave's outbox held " + peak + " bytes");
        } finally {
            paced.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** One streamed chunk as the OpenAI client parsed it: what it says, without its id and time. */
    record ChunkContent(String object, String model, String role, String content, String finish, String usage) {}

    static List<ChunkContent> chunks(OpenAIClient sdk, ChatCompletionCreateParams params, List<String> ids) {
        List<ChunkContent> out = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> response =
                sdk.chat().completions().createStreaming(params)) {
            response.stream().forEach(chunk -> {
                ids.add(chunk.id());
                ChatCompletionChunk.Choice choice =
                        chunk.choices().isEmpty() ? null : chunk.choices().getFirst();
                out.add(new ChunkContent(
                        chunk._object_().asStringOrThrow(),
                        chunk.model(),
                        choice == null
                                ? null
                                : choice.delta().role().map(r -> r.asString()).orElse(null),
                        choice == null ? null : choice.delta().content().orElse(null),
                        choice == null
                                ? null
                                : choice.finishReason().map(f -> f.asString()).orElse(null),
                        chunk.usage()
                                .map(u -> u.promptTokens() + "/" + u.completionTokens())
                                .orElse(null)));
            });
        }
        return out;
    }

    /**
     * The enclave's full {@code text/event-stream} form (OpenAI's own chunks, asked for without
     * {@code application/cloister-chat-deltas}) end to end: the SDK parses and checks each chunk, and the OpenAI client
     * reading the proxy gets, chunk for chunk, what it gets when the enclave streams the compact form.
     */
    @Test
    void theEnclavesFullEventStreamReachesTheOpenAiClientChunkForChunk() throws Exception {
        OpenAiProxy full = OpenAiProxy.start(
                        vertx,
                        client,
                        OpenAiProxy.Config.loopback(0)
                                .withUpstream(dev.cloister.client.session.ChatStreamForm.EVENT_STREAM))
                .await(30, TimeUnit.SECONDS);
        OpenAIClient fullSdk = sdk(full);
        try {
            ChatCompletionCreateParams params = greedy("Once upon a time", 24)
                    .streamOptions(ChatCompletionStreamOptions.builder()
                            .includeUsage(true)
                            .build())
                    .build();
            List<String> fullIds = new ArrayList<>();
            List<ChunkContent> fromFull = chunks(fullSdk, params, fullIds);
            List<ChunkContent> fromCompact = chunks(openai, params, new ArrayList<>());
            assertEquals(fromCompact, fromFull);
            assertTrue(fromFull.size() >= 4, fromFull::toString);
            assertEquals(1, fullIds.stream().distinct().count(), "one completion id");
            assertTrue(fullIds.getFirst().startsWith("chatcmpl-"), fullIds.getFirst());
            ChunkContent first = fromFull.getFirst();
            assertEquals(new ChunkContent("chat.completion.chunk", model, "assistant", "", null, null), first);
            ChunkContent finish = fromFull.get(fromFull.size() - 2);
            assertEquals("length", finish.finish());
            ChunkContent usage = fromFull.getLast();
            assertTrue(usage.usage() != null && usage.usage().endsWith("/24"), usage::toString);
            assertTrue(usage.role() == null && usage.content() == null, "the usage chunk has no choice");
            String text = fromFull.stream()
                    .map(ChunkContent::content)
                    .filter(c -> c != null)
                    .reduce("", String::concat);
            assertEquals(
                    openai.chat()
                            .completions()
                            .create(greedy("Once upon a time", 24).build())
                            .choices()
                            .getFirst()
                            .message()
                            .content()
                            .orElseThrow(),
                    text,
                    "the streamed text is the whole completion's");

            // The SDK itself, reading the full form: each chunk checked and passed on, the answer joined from them.
            dev.cloister.protocol.openai.ChatCompletionRequest request =
                    dev.cloister.protocol.openai.ChatCompletionRequest.parse(
                            ("{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":24,\"temperature\":0,"
                                            + "\"stream_options\":{\"include_usage\":true},"
                                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}")
                                    .getBytes(StandardCharsets.UTF_8),
                            dev.cloister.protocol.openai.ChatCompletionRequest.Limits.DEFAULT);
            List<dev.cloister.protocol.openai.ChatCompletionChunk> sdkChunks = new CopyOnWriteArrayList<>();
            dev.cloister.client.session.ChatAnswer answer = client.chat(
                            request, sdkChunks::add, dev.cloister.client.session.ChatStreamForm.EVENT_STREAM)
                    .answer()
                    .await(60, TimeUnit.SECONDS);
            assertEquals(text, answer.content());
            assertEquals(fromFull.size(), sdkChunks.size());
            assertTrue(sdkChunks.stream().allMatch(c -> c.id().equals(answer.id())));
            assertEquals(24, answer.usage().orElseThrow().completionTokens());
        } finally {
            fullSdk.close();
            full.close().await(10, TimeUnit.SECONDS);
        }
    }

    // --- Fail closed: a check that fails answers an error naming it, and nothing reaches an enclave ---

    static int requestsReachingEnclaves() {
        return (int)
                sessions.stream().filter(s -> !s.plaintextBuffers().isEmpty()).count();
    }

    static PermissionDeniedException refusedThrough(Function<CloisterClient.Builder, CloisterClient.Builder> change)
            throws Exception {
        int before = requestsReachingEnclaves();
        try (CloisterClient other = change.apply(deployment.client().retries(0)).build()) {
            OpenAiProxy front = OpenAiProxy.start(vertx, other, OpenAiProxy.Config.loopback(0))
                    .await(30, TimeUnit.SECONDS);
            OpenAIClient sdk = sdk(front);
            try {
                PermissionDeniedException e = assertThrows(
                        PermissionDeniedException.class,
                        () -> sdk.chat()
                                .completions()
                                .create(greedy("a secret", 4).build()));
                assertEquals(403, e.statusCode());
                assertEquals("verification_error", e.type().orElseThrow());
                assertEquals(before, requestsReachingEnclaves(), "nothing reached an enclave");
                return e;
            } finally {
                sdk.close();
                front.close().await(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTamperedReleaseIsRefusedAndTheEnclaveReceivesNothing() throws Exception {
        byte[] other = new byte[48];
        Arrays.fill(other, (byte) 0x42);
        RaTlsPolicy strict = RaTlsPolicy.acceptingReleases(
                deployment.cpu().insecurePolicy(),
                List.of(other),
                new RaTlsPolicy.RequireGpu(deployment.gpu().insecurePolicy(), Duration.ofMinutes(5)));
        assertEquals(
                "attestation",
                refusedThrough(b -> b.attestation(strict, AttestationVerifier.create()))
                        .code()
                        .orElseThrow());
    }

    @Test
    void anUnpublishedKeyIsRefusedAndTheEnclaveReceivesNothing() throws Exception {
        Ed25519NoteSigner otherLog =
                new Ed25519NoteSigner("ledger.cloister.invalid/demo", Ed25519PrivateKey.generate(new SecureRandom()));
        assertEquals(
                "key-consistency",
                refusedThrough(b -> b.ledger(
                                new LogIdentity("ledger.cloister.invalid/demo", otherLog.verifier()),
                                WitnessPolicy.none(),
                                deployment.ledgerUrl()))
                        .code()
                        .orElseThrow());
    }

    @Test
    void aSpentTokenIsRefusedAndTheEnclaveReceivesNothing() throws Exception {
        Path tokens = dir.resolve("tokens-a");
        Path copy = dir.resolve("tokens-b");
        try (CloisterClient first =
                deployment.client().tokenBatch(2).tokenStore(tokens).build()) {
            first.prefetchTokens().await(30, TimeUnit.SECONDS);
            Files.copy(tokens, copy);
            first.chat(
                            dev.cloister.protocol.openai.ChatCompletionRequest.of(
                                            model,
                                            List.of(new dev.cloister.protocol.openai.ChatCompletionRequest.Message(
                                                    dev.cloister.protocol.openai.ChatCompletionRequest.Role.USER,
                                                    "Once")))
                                    .withMaxTokens(2),
                            null)
                    .answer()
                    .await(60, TimeUnit.SECONDS);
        }
        assertEquals(
                "token",
                refusedThrough(b -> b.tokenBatch(2).tokenStore(copy)).code().orElseThrow());
    }
}
