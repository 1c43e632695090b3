package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.cli.demo.LocalDeployment;
import dev.cloister.client.session.CloisterClient;
import dev.cloister.enclave.AnswerPadding;
import dev.cloister.protocol.padding.SizeBuckets;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave's idle bound ends sessions that wait between steps, not answers that take longer than the bound: an
 * answer streamed at a slow frame cadence (at least 8 frames, one every 250 ms) outlasts a 600 ms idle bound and
 * arrives whole. (Idle time counted from the last request step cut such an answer after 600 ms.)
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SessionIdleTest {

    static final Duration IDLE = Duration.ofMillis(600);
    static final AnswerPadding SLOW_FRAMES =
            new AnswerPadding(1024, Duration.ofMillis(250), Duration.ofMillis(2), new SizeBuckets(8192));

    @TempDir
    static Path dir;

    static Vertx vertx;
    static LocalDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        vertx = Vertx.vertx();
        deployment = LocalDeployment.start(
                vertx,
                dir,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                LocalDeployment.Options.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin"))
                        .withEnclaves(1)
                        .withMaxOutputTokens(16)
                        .withPadding(SLOW_FRAMES)
                        .withSessionIdle(IDLE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (deployment != null) deployment.close();
        vertx.close().await(30, TimeUnit.SECONDS);
    }

    @Test
    void anAnswerLongerThanTheIdleBoundCompletes() throws Exception {
        try (CloisterClient client = deployment.client().retries(0).build()) {
            long[] firstText = {0};
            CloisterClient.Answer answer = client.rewrite("see you at the park in ten minutes", "friendly", text -> {
                        if (firstText[0] == 0) firstText[0] = System.nanoTime();
                    })
                    .await(120, TimeUnit.SECONDS);
            Duration streamed = Duration.ofNanos(System.nanoTime() - firstText[0]);
            assertTrue(
                    streamed.compareTo(IDLE.multipliedBy(2)) > 0,
                    "the answer streamed for " + streamed + ", not longer than the idle bound: nothing was shown");
            assertNotNull(answer.finish());
            assertTrue(answer.generatedTokens() > 0);
            assertFalse(answer.text().isEmpty());
        }
    }
}
