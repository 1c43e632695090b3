package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.protocol.FinishReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private session with the smallest answers an enclave can give: zero and one output token, whole and streamed.
 * With zero tokens the enclave once wrote its answer's records ahead of a record still queued, and the client's TLS
 * refused them ({@code bad_record_mac}): every record must leave in the order it was sealed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OutputTokenBoundsTest {

    @TempDir
    Path dir;

    Vertx vertx;
    LocalDeployment deployment;

    @AfterEach
    void stop() throws Exception {
        if (deployment != null) deployment.close();
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }

    private CloisterClient start(int maxOutputTokens) throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        deployment = LocalDeployment.start(
                vertx,
                dir,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(1)
                        .withMaxOutputTokens(maxOutputTokens));
        return deployment.client().build();
    }

    @Test
    void zeroOutputTokensGiveAnEmptyAnswerWholeAndStreamed() throws Exception {
        try (CloisterClient client = start(0)) {
            List<String> pieces = new CopyOnWriteArrayList<>();
            CloisterClient.Answer streamed = client.summarize(PrivateSessionTest.CHAT, "brief", pieces::add)
                    .await(60, TimeUnit.SECONDS);
            assertEquals(List.of(), pieces);
            assertEquals("", streamed.text());
            assertEquals(0, streamed.generatedTokens());
            assertEquals(FinishReason.MAX_TOKENS, streamed.finish());
            assertEquals("ok", streamed.logEntry().outcome().result());

            CloisterClient.Answer whole =
                    client.summarize(PrivateSessionTest.CHAT, "brief").await(60, TimeUnit.SECONDS);
            assertEquals("", whole.text());
            assertEquals(0, whole.generatedTokens());
            assertEquals(FinishReason.MAX_TOKENS, whole.finish());
            assertEquals(streamed.promptTokens(), whole.promptTokens());
        }
    }

    @Test
    void oneOutputTokenWholeAndStreamed() throws Exception {
        try (CloisterClient client = start(1)) {
            CloisterClient.Answer whole =
                    client.rewrite("see u at the park", "formal").await(60, TimeUnit.SECONDS);
            assertEquals(1, whole.generatedTokens());
            assertEquals(FinishReason.MAX_TOKENS, whole.finish());
            assertFalse(whole.text().isEmpty());

            List<String> pieces = new CopyOnWriteArrayList<>();
            CloisterClient.Answer streamed =
                    client.rewrite("see u at the park", "formal", pieces::add).await(60, TimeUnit.SECONDS);
            assertEquals(1, streamed.generatedTokens());
            assertEquals(whole.text(), streamed.text());
            assertEquals(whole.text(), String.join("", pieces));
        }
    }
}
