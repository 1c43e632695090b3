package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.server.ListenAddress;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.OhttpLimits;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A target that never answers does not hang the gateway: the client gets an encapsulated 504 in time. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class GatewayTimeoutTest {

    @Test
    void targetThatNeverAnswersGetsAnEncapsulated504(Vertx vertx) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        KeyRotation keys = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(1),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                Clock.systemUTC(),
                new SecureRandom());
        GatewayConfig defaults = GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0));
        GatewayConfig quick = new GatewayConfig(
                defaults.listen(),
                OhttpLimits.DEFAULT,
                defaults.bhttpLimits(),
                Duration.ofSeconds(2),
                defaults.keysMaxAge(),
                defaults.responseChunk(),
                defaults.decapsulation());
        GatewayVerticle gateway = new GatewayVerticle(
                quick, keys, request -> Promise.<BinaryResponse>promise().future(), registry, Clock.systemUTC());
        vertx.deployVerticle(gateway).await(10, TimeUnit.SECONDS);
        URI base = URI.create("http://127.0.0.1:" + gateway.actualPort());
        try (ObliviousHttpClient client =
                new ObliviousHttpClient(vertx, base.resolve("/gateway"), Duration.ofSeconds(10))) {
            KeyConfig config = client.fetchKeys(base.resolve("/ohttp-keys"))
                    .await(10, TimeUnit.SECONDS)
                    .getFirst();
            long start = System.nanoTime();
            BinaryResponse response = client.send(
                            config, BinaryRequest.of("GET", "https", "x", "/", FieldSection.EMPTY, new byte[0]))
                    .await(10, TimeUnit.SECONDS);
            assertEquals(504, response.status());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(true, millis >= 1500 && millis < 15_000, "answered after " + millis + " ms");
        }
    }
}
