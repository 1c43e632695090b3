package dev.cloister.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.protocol.openai.OpenAiError;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer the enclave cuts short: its deadline (here 2 ms, far less than 400 tokens take) passes after the stream
 * began, so the stream ends with an OpenAI error event (code {@code timeout}) and no {@code [DONE]} — through the
 * proxy's server-sent events and through the SDK's {@code ChatCall}; a whole answer is a 504 error object instead.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OpenAiErrorEventTest {

    @TempDir
    static Path dir;

    static Vertx vertx;
    static LocalDeployment deployment;
    static CloisterClient client;
    static OpenAiProxy proxy;
    static String model;
    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        deployment = LocalDeployment.start(
                vertx,
                dir,
                new SimpleMeterRegistry(),
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(1)
                        .withMaxOutputTokens(400)
                        .withDeadline(Duration.ofMillis(2)));
        client = deployment.client().retries(0).build();
        proxy = OpenAiProxy.start(vertx, client, OpenAiProxy.Config.loopback(0)).await(30, TimeUnit.SECONDS);
        model = deployment.modelId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) proxy.close().await(10, TimeUnit.SECONDS);
        if (client != null) client.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    static HttpResponse<String> post(boolean stream) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":400,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl() + "/chat/completions"))
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertTimeoutError(JsonObject error) {
        assertEquals("timeout", error.getString("code"), error.encode());
        assertEquals("server_error", error.getString("type"), error.encode());
        assertEquals("the answer's deadline passed", error.getString("message"));
    }

    /** The events after the role chunk: an error event last, without [DONE]; the head said 200. */
    @Test
    void aStreamCutShortEndsWithAnErrorEventThroughTheProxy() throws Exception {
        HttpResponse<String> response = post(true);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(
                "text/event-stream",
                response.headers().firstValue("content-type").orElseThrow());
        String events = response.body();
        assertFalse(events.contains("[DONE]"), events);
        assertTrue(events.endsWith("\n\n"), events);
        String[] blocks = events.substring(0, events.length() - 2).split("\n\n", -1);
        assertTrue(blocks.length >= 2, events);
        assertTrue(blocks[0].startsWith("data: ") && blocks[0].contains("\"role\":\"assistant\""), blocks[0]);
        String last = blocks[blocks.length - 1];
        assertTrue(last.startsWith("data: {\"error\":"), last);
        assertTimeoutError(new JsonObject(last.substring(6)).getJsonObject("error"));
        for (int i = 1; i < blocks.length - 1; i++) {
            assertFalse(blocks[i].contains("finish_reason\":\""), "no finish reason before the error: " + blocks[i]);
        }
        assertEquals(0, proxy.openStreams());
    }

    @Test
    void aWholeAnswerCutShortIsA504ErrorObject() throws Exception {
        HttpResponse<String> response = post(false);
        assertEquals(504, response.statusCode(), response.body());
        assertTimeoutError(new JsonObject(response.body()).getJsonObject("error"));
    }

    /** The SDK delivers the chunks that came (the role first), then fails with the enclave's error as the cause. */
    @Test
    void theSdksChatCallFailsWithTheEnclavesErrorAfterTheChunksThatCame() {
        List<ChatCompletionChunk> chunks = new CopyOnWriteArrayList<>();
        ChatCompletionRequest request = ChatCompletionRequest.of(
                        model,
                        List.of(new ChatCompletionRequest.Message(ChatCompletionRequest.Role.USER, "Once upon a time")))
                .withMaxTokens(400)
                .withSampling(0f, 1f, java.util.OptionalLong.empty())
                .streamed(false);
        Exception failed = org.junit.jupiter.api.Assertions.assertThrows(
                Exception.class,
                () -> client.chat(request, chunks::add).answer().await(60, TimeUnit.SECONDS));
        SessionFailure failure = assertInstanceOf(
                SessionFailure.class,
                failed instanceof CompletionException && failed.getCause() != null ? failed.getCause() : failed);
        assertEquals(SessionFailure.Kind.ENCLAVE, failure.kind());
        assertFalse(failure.retryable());
        OpenAiError error = assertInstanceOf(OpenAiError.class, failure.getCause());
        assertEquals(504, error.status());
        assertEquals("timeout", error.code().orElseThrow());
        assertFalse(chunks.isEmpty(), "the stream had begun");
        assertTrue(chunks.getFirst().delta().orElseThrow().opensTurn(), "the role chunk came first");
        assertTrue(
                chunks.stream().allMatch(c -> c.delta().flatMap(d -> d.finish()).isEmpty()));
    }
}
