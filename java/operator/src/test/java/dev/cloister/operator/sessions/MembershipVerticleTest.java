package dev.cloister.operator.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.protocol.membership.MemberAnnouncement;
import dev.cloister.server.ListenAddress;
import dev.cloister.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The internal membership endpoint refuses, each with its own status, whatever is not an authentic, fresh
 * announcement of an enclave it could attest; nothing refused reaches Redis.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MembershipVerticleTest {

    private final SecretKeySpec secret = new SecretKeySpec(new byte[32], "HmacSHA256");
    private final Clock clock = Clock.systemUTC();

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void refusesWhatIsNotAnAuthenticFreshAnnouncementOfAnAttestedEnclave(Vertx vertx) throws Exception {
        try (RedisServer server = RedisServer.start()) {
            Redis redis = Redis.createClient(vertx, server.connectionString());
            SecureRandom random = new SecureRandom();
            EnclaveRegistration registration = new EnclaveRegistration(
                    vertx,
                    WebClient.create(vertx),
                    new EnclavePool(random),
                    RaTlsClient.create(
                            RaTlsPolicy.acceptingReleases(
                                    SevSnpPolicy.genuineAmd(),
                                    List.of(new byte[48]),
                                    new RaTlsPolicy.RequireGpu(NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5))),
                            AttestationVerifier.create(),
                            KeyExchange.X25519,
                            Optional.empty(),
                            Duration.ofSeconds(5),
                            clock,
                            random),
                    Duration.ofSeconds(2),
                    clock);
            EnclaveMembership membership = new EnclaveMembership(
                    vertx,
                    redis,
                    registration,
                    Duration.ofSeconds(3),
                    Duration.ofMillis(500),
                    Duration.ofSeconds(2),
                    clock);
            MembershipVerticle endpoint =
                    new MembershipVerticle(new ListenAddress("127.0.0.1", 0), secret, membership, clock);
            vertx.deployVerticle(endpoint).await(10, TimeUnit.SECONDS);
            WebClient web = WebClient.create(vertx);
            String url = "http://127.0.0.1:" + endpoint.actualPort() + MemberAnnouncement.PATH;
            URI down = URI.create("http://127.0.0.1:" + closedPort() + "/sessions/");

            byte[] good = new MemberAnnouncement("e1", down, clock.instant()).encode();
            // Not authenticated: no header, another secret, a body changed after signing.
            assertEquals(401, post(web, url, good, null).statusCode());
            assertEquals(
                    401,
                    post(
                                    web,
                                    url,
                                    good,
                                    MemberAnnouncement.authorization(
                                            new SecretKeySpec(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}, "HmacSHA256"), good))
                            .statusCode());
            byte[] changed = new MemberAnnouncement("e2", down, clock.instant()).encode();
            assertEquals(
                    401,
                    post(web, url, changed, MemberAnnouncement.authorization(secret, good))
                            .statusCode());
            // Authentic but stale (a replay) or not an announcement.
            byte[] old = new MemberAnnouncement("e1", down, Instant.now().minus(Duration.ofMinutes(10))).encode();
            HttpResponse<Buffer> stale = post(web, url, old, MemberAnnouncement.authorization(secret, old));
            assertEquals(401, stale.statusCode());
            assertTrue(stale.bodyAsString().contains("too old"), stale.bodyAsString());
            byte[] junk = "{\"id\":\"e1\"}".getBytes(StandardCharsets.UTF_8);
            assertEquals(
                    400,
                    post(web, url, junk, MemberAnnouncement.authorization(secret, junk))
                            .statusCode());
            byte[] huge = new byte[MemberAnnouncement.MAX_BYTES + 1];
            assertEquals(
                    413,
                    post(web, url, huge, MemberAnnouncement.authorization(secret, huge))
                            .statusCode());
            assertEquals(405, web.getAbs(url).send().await(10, TimeUnit.SECONDS).statusCode());
            assertEquals(
                    404,
                    web.postAbs("http://127.0.0.1:" + endpoint.actualPort() + "/other")
                            .send()
                            .await(10, TimeUnit.SECONDS)
                            .statusCode());
            // Authentic, fresh, but nothing answers there to be attested: 502.
            HttpResponse<Buffer> unreachable = post(web, url, good, MemberAnnouncement.authorization(secret, good));
            assertEquals(502, unreachable.statusCode());
            assertEquals("application/problem+json", unreachable.getHeader("content-type"));

            long keys = redis.send(Request.cmd(Command.DBSIZE))
                    .await(10, TimeUnit.SECONDS)
                    .toLong();
            assertEquals(0, keys, "nothing refused was recorded");
            assertEquals(0, membership.tracked().size());
        }
    }

    private static HttpResponse<Buffer> post(WebClient web, String url, byte[] body, String authorization)
            throws Exception {
        var request = web.postAbs(url);
        if (authorization != null) request.putHeader("authorization", authorization);
        return request.sendBuffer(Buffer.buffer(body)).await(10, TimeUnit.SECONDS);
    }
}
