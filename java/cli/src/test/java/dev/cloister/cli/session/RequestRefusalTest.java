package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.client.session.SessionFailure;
import dev.cloister.protocol.AssistantRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a refused request costs: nothing when the client can tell the request is bad, exactly one token (never a
 * retry) when the enclave or the relay refuses it, and the refusal's reason is shown in both answer modes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RequestRefusalTest {

    @TempDir
    static Path dir;

    static Vertx vertx;
    static PrometheusMeterRegistry registry;
    static LocalDeployment deployment;
    static CloisterClient client;

    static final List<CloisterClient.Message> CHAT = PrivateSessionTest.CHAT;

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
                        .withEnclaves(1)
                        .withMaxOutputTokens(4));
        client = deployment.client().build();
        client.prefetchTokens().await(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Tokens the gateway redeemed so far. */
    static long redeemed() {
        return (long) registry.counter("cloister.gateway.tokens.redeemed").count();
    }

    /** Runs a request that must fail; returns the failure and checks how many tokens it spent. */
    static SessionFailure refused(
            long tokens, Function<CloisterClient, Future<CloisterClient.Answer>> request, CloisterClient with) {
        long before = redeemed();
        Exception e = assertThrows(Exception.class, () -> request.apply(with).await(60, TimeUnit.SECONDS));
        SessionFailure failure = assertInstanceOf(
                SessionFailure.class, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
        assertEquals(tokens, redeemed() - before, "tokens spent by: " + failure.getMessage());
        assertFalse(failure.retryable(), failure.getMessage());
        return failure;
    }

    static CloisterClient.Message message(String text) {
        return new CloisterClient.Message("m1", "Alice", Instant.parse("2026-11-28T09:00:00Z"), text);
    }

    @Test
    void inputsTheClientCanCheckSpendNoToken() {
        String longDraft = "x".repeat(AssistantRequest.Limits.DEFAULT.maxFieldChars() + 1);
        // A 5.6 MB chat: 700 messages of 8,000 characters.
        List<CloisterClient.Message> huge = new ArrayList<>();
        for (int i = 0; i < 700; i++) huge.add(message("y".repeat(8_000)));
        List<Function<CloisterClient, Future<CloisterClient.Answer>>> bad = List.of(
                c -> c.summarize(List.of(), "brief"),
                c -> c.summarize(List.of(), "brief", piece -> {}),
                c -> c.summarize(CHAT, "sarcastic"),
                c -> c.summarize(CHAT, "sarcastic", piece -> {}),
                c -> c.summarize(CHAT, null),
                c -> c.summarize(List.of(message("")), "brief"),
                c -> c.summarize(huge, "brief", piece -> {}),
                c -> c.rewrite("a draft", "pirate"),
                c -> c.rewrite("a draft", "pirate", piece -> {}),
                c -> c.rewrite("", "formal"),
                c -> c.rewrite("", "formal", piece -> {}),
                c -> c.rewrite(longDraft, "formal"),
                c -> c.rewrite(longDraft, "formal", piece -> {}));
        for (var request : bad) {
            SessionFailure failure = refused(0, request, client);
            assertEquals(SessionFailure.Kind.REQUEST, failure.kind(), failure.getMessage());
        }
        SessionFailure count = refused(0, c -> c.summarize(huge, "brief"), client);
        assertTrue(count.getMessage().contains("700 messages exceed 200"), count.getMessage());
        // Under the message count, over the body size: 100 messages of 8,000 characters.
        SessionFailure size = refused(0, c -> c.summarize(huge.subList(0, 100), "brief"), client);
        assertTrue(size.getMessage().contains("exceeds 65536"), size.getMessage());
        SessionFailure tone = refused(0, c -> c.rewrite("a draft", "pirate"), client);
        assertTrue(tone.getMessage().contains("friendly"), tone.getMessage());
        assertFalse(tone.getMessage().contains("pirate"), "the refusal does not echo the input");
    }

    @Test
    void anEnclaveRefusalSpendsOneTokenAndShowsItsReasonInBothModes() {
        // A client told looser limits than the enclave keeps: the enclave is the one to refuse.
        int enclaveMax = AssistantRequest.Limits.DEFAULT.maxFieldChars();
        try (CloisterClient loose = deployment
                .client()
                .requestLimits(new AssistantRequest.Limits(1 << 20, 1000, 1 << 20))
                .build()) {
            String draft = "z".repeat(enclaveMax + 1);
            for (var request : List.<Function<CloisterClient, Future<CloisterClient.Answer>>>of(
                    c -> c.rewrite(draft, "formal"), c -> c.rewrite(draft, "formal", piece -> {}))) {
                SessionFailure failure = refused(1, request, loose);
                assertEquals(SessionFailure.Kind.REQUEST, failure.kind(), failure.getMessage());
                assertTrue(failure.getMessage().contains("413"), failure.getMessage());
                assertTrue(
                        failure.getMessage().contains("draft exceeds " + enclaveMax + " characters"),
                        failure.getMessage());
            }
        }
    }

    @Test
    void aTooLargeAnswerFromTheRelayIsNotRetried() throws Exception {
        // In front of the real relay: passes the session's opening on, answers the request step 413.
        AtomicInteger steps = new AtomicInteger();
        WebClient web = WebClient.create(vertx);
        HttpServer front = vertx.createHttpServer()
                .requestHandler(request -> request.body().onSuccess(body -> {
                    String type = request.getHeader("content-type");
                    if ("message/ohttp-chunked-req".equals(type)) {
                        steps.incrementAndGet();
                        request.response()
                                .setStatusCode(413)
                                .putHeader("content-type", "application/problem+json")
                                .end("{\"type\":\"about:blank\",\"title\":\"Content Too Large\",\"status\":413}");
                        return;
                    }
                    web.postAbs(deployment.relay().toString())
                            .putHeader("content-type", type)
                            .sendBuffer(body)
                            .onSuccess(answer -> request.response()
                                    .setStatusCode(answer.statusCode())
                                    .putHeader("content-type", String.valueOf(answer.getHeader("content-type")))
                                    .end(answer.body() == null ? Buffer.buffer() : answer.body()))
                            .onFailure(
                                    e -> request.response().setStatusCode(502).end());
                }))
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        try (CloisterClient viaFront = deployment
                .client()
                .relay(URI.create("http://127.0.0.1:" + front.actualPort() + "/relay"))
                .build()) {
            SessionFailure failure = refused(1, c -> c.summarize(CHAT, "brief", piece -> {}), viaFront);
            assertTrue(failure.getMessage().contains("413"), failure.getMessage());
            assertEquals(1, steps.get(), "the request step was sent once");
        } finally {
            front.close();
            web.close();
        }
    }
}
