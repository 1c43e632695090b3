package dev.cloister.node.cli;

import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.node.ListenAddress;
import dev.cloister.node.NodeRuntime;
import dev.cloister.node.gateway.EchoTarget;
import dev.cloister.node.gateway.GatewayConfig;
import dev.cloister.node.gateway.GatewayVerticle;
import dev.cloister.node.gateway.KeyRotation;
import dev.cloister.node.relay.RelayConfig;
import dev.cloister.node.relay.RelayVerticle;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.KeyConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cloister demo}: starts a gateway with the echo target and a relay in front of it on loopback, then sends
 * requests through the relay as a client would, plain and chunked, and prints what came back.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run relay -> gateway -> echo on loopback and send requests through it.")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        NodeRuntime runtime = NodeRuntime.create();
        try {
            KeyRotation keys = new KeyRotation(KemId.DHKEM_X25519_HKDF_SHA256, Duration.ofHours(24),
                    Duration.ofHours(6), Duration.ofHours(6), Clock.systemUTC(), new SecureRandom());
            GatewayVerticle gateway = new GatewayVerticle(GatewayConfig.defaults(new ListenAddress("127.0.0.1", 0)),
                    keys, new EchoTarget(), runtime.registry(), Clock.systemUTC());
            runtime.vertx().deployVerticle(gateway).await(10, TimeUnit.SECONDS);
            URI gatewayUrl = URI.create("http://127.0.0.1:" + gateway.actualPort() + "/gateway");
            RelayVerticle relay = new RelayVerticle(
                    RelayConfig.defaults(new ListenAddress("127.0.0.1", 0), gatewayUrl), runtime.registry());
            runtime.vertx().deployVerticle(relay).await(10, TimeUnit.SECONDS);
            URI relayUrl = URI.create("http://127.0.0.1:" + relay.actualPort() + "/relay");
            URI keysUrl = URI.create("http://127.0.0.1:" + gateway.actualPort() + "/ohttp-keys");
            out.println("gateway (echo target)  " + gatewayUrl);
            out.println("relay                  " + relayUrl);

            try (ObliviousHttpClient client = new ObliviousHttpClient(runtime.vertx(), relayUrl, Duration.ofSeconds(10))) {
                List<KeyConfig> configs = client.fetchKeys(keysUrl).await(10, TimeUnit.SECONDS);
                KeyConfig config = configs.getFirst();
                out.println("key configuration      id " + config.keyId() + ", " + config.kem() + ", " + config.algorithms());

                String text = "Summarize my unread messages, please.";
                BinaryRequest request = BinaryRequest.of("POST", "https", "gateway.cloister.invalid", "/echo",
                        FieldSection.of("content-type", "text/plain; charset=utf-8"), text.getBytes(StandardCharsets.UTF_8));
                BinaryResponse plain = client.send(config, request).await(10, TimeUnit.SECONDS);
                out.println("message/ohttp-req      -> " + plain.status() + " \""
                        + new String(plain.content(), StandardCharsets.UTF_8) + "\"");

                int[] chunks = {0};
                BinaryResponse chunked = client.sendChunked(config, request, 8, chunk -> chunks[0]++)
                        .await(10, TimeUnit.SECONDS);
                out.println("message/ohttp-chunked  -> " + chunked.status() + " \""
                        + new String(chunked.content(), StandardCharsets.UTF_8) + "\" (" + chunks[0] + " chunk(s))");

                BinaryResponse teapot = client.send(config, BinaryRequest.of("GET", "https", "gateway.cloister.invalid",
                        "/status/404", FieldSection.EMPTY, new byte[0])).await(10, TimeUnit.SECONDS);
                out.println("GET /status/404        -> " + teapot.status());

                boolean ok = plain.status() == 200 && text.equals(new String(plain.content(), StandardCharsets.UTF_8))
                        && chunked.status() == 200 && teapot.status() == 404;
                out.println(ok ? "demo OK: the relay saw only ciphertext, the gateway never saw the client's address"
                        : "demo FAILED");
                out.flush();
                return ok ? 0 : 1;
            }
        } finally {
            runtime.vertx().close().await(10, TimeUnit.SECONDS);
        }
    }
}
