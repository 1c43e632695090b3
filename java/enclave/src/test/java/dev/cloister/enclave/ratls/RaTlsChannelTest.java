package dev.cloister.enclave.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Mutual RA-TLS between two simulated enclaves over real Vert.x sockets; refusals and stalled peers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RaTlsChannelTest {

    static final SecureRandom RANDOM = new SecureRandom();
    static final byte[] FRONT = filled(0x11);
    static final byte[] GPU_ENCLAVE = filled(0x22);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final AttestationVerifier VERIFIER = AttestationVerifier.create();
    static SimulatedSevSnpPlatform cpu;
    static SimulatedNvidiaGpu gpu;
    static EnclaveIdentity front;
    static EnclaveIdentity gpuEnclave;

    static byte[] filled(int b) {
        byte[] a = new byte[48];
        Arrays.fill(a, (byte) b);
        return a;
    }

    @BeforeAll
    static void platforms() throws Exception {
        Path dir = Path.of("target", "ratls-sim");
        cpu = SimulatedSevSnpPlatform.openOrCreate(dir, Instant.now(), RANDOM);
        gpu = SimulatedNvidiaGpu.openOrCreate(dir, Instant.now(), RANDOM);
        front = identity(FRONT);
        gpuEnclave = identity(GPU_ENCLAVE);
    }

    @AfterAll
    static void close() {
        front.close();
        gpuEnclave.close();
    }

    static EnclaveIdentity identity(byte[] release) {
        SimulatedEvidenceSource source = new SimulatedEvidenceSource(
                cpu, Optional.of(gpu), release, Duration.ZERO, Duration.ofMinutes(1), Clock.systemUTC(), RANDOM);
        return EnclaveIdentity.generate(
                source,
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
    }

    static RaTlsPolicy accepting(byte[] release) {
        return RaTlsPolicy.acceptingReleases(
                cpu.insecurePolicy(),
                List.of(release),
                new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5)));
    }

    /** The GPU enclave: accepts only callers of the FRONT release (or what {@code policy} says), echoes upper-cased. */
    static NetServer gpuEnclaveServer(
            Vertx vertx, RaTlsPolicy callers, Duration timeout, Promise<RaTlsChannel> accepted) {
        RaTlsServer raTls = RaTlsServer.create(
                gpuEnclave,
                List.of(KeyExchange.X25519, KeyExchange.X25519_MLKEM768),
                new RaTlsServer.ClientAuthentication.MutualRaTls(callers, VERIFIER),
                timeout,
                Clock.systemUTC(),
                RANDOM);
        return vertx.createNetServer()
                .connectHandler(socket -> RaTlsChannel.accept(vertx, socket, raTls, timeout)
                        .onComplete(accepted)
                        .onSuccess(ch -> ch.handler(
                                b -> ch.write(Buffer.buffer(b.toString().toUpperCase())))));
    }

    static RaTlsClient frontClient(RaTlsPolicy servers) {
        return RaTlsClient.create(
                servers, VERIFIER, KeyExchange.X25519_MLKEM768, Optional.of(front), TIMEOUT, Clock.systemUTC(), RANDOM);
    }

    static Throwable failureOf(Future<?> f) {
        try {
            f.await(30, TimeUnit.SECONDS);
        } catch (CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure, got " + f.result());
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void enclavesAttestEachOtherAndExchangeData(Vertx vertx) throws Exception {
        Promise<RaTlsChannel> accepted = Promise.promise();
        NetServer server = gpuEnclaveServer(vertx, accepting(FRONT), TIMEOUT, accepted)
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        NetClient net = vertx.createNetClient();
        RaTlsChannel channel = RaTlsChannel.connect(
                        vertx,
                        net,
                        SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"),
                        frontClient(accepting(GPU_ENCLAVE)),
                        TIMEOUT)
                .await(30, TimeUnit.SECONDS);
        RaTlsAttestation serverSeen = channel.peer().orElseThrow();
        assertArrayEquals(GPU_ENCLAVE, ((SevSnpClaims) serverSeen.cpu().claims()).measurement());
        assertArrayEquals(sha256(gpuEnclave.spki()), serverSeen.spkiSha256().toByteArray());

        Promise<String> reply = Promise.promise();
        channel.handler(b -> reply.tryComplete(b.toString()));
        channel.write(Buffer.buffer("ping")).await(10, TimeUnit.SECONDS);
        assertEquals("PING", reply.future().await(10, TimeUnit.SECONDS));

        RaTlsAttestation clientSeen =
                accepted.future().await(10, TimeUnit.SECONDS).peer().orElseThrow();
        assertArrayEquals(FRONT, ((SevSnpClaims) clientSeen.cpu().claims()).measurement());
        assertArrayEquals(sha256(front.spki()), clientSeen.spkiSha256().toByteArray());
        channel.close().await(10, TimeUnit.SECONDS);
        server.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentCallersShareBatchedReportsOverSockets(Vertx vertx) throws Exception {
        SimulatedEvidenceSource source = new SimulatedEvidenceSource(
                cpu,
                Optional.of(gpu),
                GPU_ENCLAVE,
                Duration.ofMillis(20),
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                RANDOM);
        try (EnclaveIdentity batched = EnclaveIdentity.generate(
                source,
                new AttestationMode.Batched(Duration.ofMillis(5), 64),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            RaTlsServer raTls = RaTlsServer.create(
                    batched,
                    List.of(KeyExchange.X25519),
                    new RaTlsServer.ClientAuthentication.None(),
                    TIMEOUT,
                    Clock.systemUTC(),
                    RANDOM);
            NetServer server = vertx.createNetServer()
                    .connectHandler(socket -> RaTlsChannel.accept(vertx, socket, raTls, TIMEOUT)
                            .onSuccess(ch -> ch.handler(b -> ch.write(b))))
                    .listen(0, "127.0.0.1")
                    .await(10, TimeUnit.SECONDS);
            RaTlsClient client = RaTlsClient.create(
                    accepting(GPU_ENCLAVE),
                    VERIFIER,
                    KeyExchange.X25519,
                    Optional.empty(),
                    TIMEOUT,
                    Clock.systemUTC(),
                    RANDOM);
            NetClient net = vertx.createNetClient();
            List<Future<RaTlsChannel>> channels = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                channels.add(RaTlsChannel.connect(
                        vertx,
                        net,
                        SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"),
                        client,
                        TIMEOUT));
            }
            Future.all(channels).await(60, TimeUnit.SECONDS);
            long shared = channels.stream()
                    .filter(f -> f.result().peer().orElseThrow().batchSize() > 1)
                    .count();
            assertTrue(shared > 0, "some of 32 concurrent handshakes shared a report");
            RaTlsChannel last = channels.getLast().result();
            Promise<String> echo = Promise.promise();
            last.handler(b -> echo.tryComplete(b.toString()));
            last.write(Buffer.buffer("still private")).await(10, TimeUnit.SECONDS);
            assertEquals("still private", echo.future().await(10, TimeUnit.SECONDS));
            server.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void serverRefusesACallerOfAReleaseItDoesNotName(Vertx vertx) throws Exception {
        Promise<RaTlsChannel> accepted = Promise.promise();
        NetServer server = gpuEnclaveServer(vertx, accepting(GPU_ENCLAVE), TIMEOUT, accepted)
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        RaTlsChannel.connect(
                vertx,
                vertx.createNetClient(),
                SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"),
                frontClient(accepting(GPU_ENCLAVE)),
                TIMEOUT);
        RaTlsException x = assertInstanceOf(RaTlsException.class, failureOf(accepted.future()));
        assertEquals(RaTlsException.Reason.CPU_EVIDENCE_REFUSED, x.reason(), x.getMessage());
        server.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void clientRefusesAServerOfAReleaseItDoesNotName(Vertx vertx) throws Exception {
        Promise<RaTlsChannel> accepted = Promise.promise();
        NetServer server = gpuEnclaveServer(vertx, accepting(FRONT), TIMEOUT, accepted)
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        Future<RaTlsChannel> connected = RaTlsChannel.connect(
                vertx,
                vertx.createNetClient(),
                SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"),
                frontClient(accepting(FRONT)),
                TIMEOUT);
        RaTlsException x = assertInstanceOf(RaTlsException.class, failureOf(connected));
        assertEquals(RaTlsException.Reason.CPU_EVIDENCE_REFUSED, x.reason(), x.getMessage());
        RaTlsException told = assertInstanceOf(RaTlsException.class, failureOf(accepted.future()));
        assertEquals(RaTlsException.Reason.PEER_ALERT, told.reason(), told.getMessage());
        server.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void serverDropsAClientThatStalls(Vertx vertx) throws Exception {
        Promise<RaTlsChannel> accepted = Promise.promise();
        NetServer server = gpuEnclaveServer(vertx, accepting(FRONT), Duration.ofMillis(300), accepted)
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        NetSocket raw = vertx.createNetClient()
                .connect(server.actualPort(), "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        Promise<Void> closed = Promise.promise();
        raw.closeHandler(closed::tryComplete);
        raw.write(Buffer.buffer(new byte[] {0x16, 0x03, 0x01, 0x02}));
        RaTlsException x = assertInstanceOf(RaTlsException.class, failureOf(accepted.future()));
        assertEquals(RaTlsException.Reason.TIMEOUT, x.reason());
        closed.future().await(10, TimeUnit.SECONDS);
        server.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void clientGivesUpOnAServerThatNeverAnswers(Vertx vertx) throws Exception {
        NetServer silent = vertx.createNetServer()
                .connectHandler(socket -> socket.handler(b -> {}))
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        Future<RaTlsChannel> connected = RaTlsChannel.connect(
                vertx,
                vertx.createNetClient(),
                SocketAddress.inetSocketAddress(silent.actualPort(), "127.0.0.1"),
                frontClient(accepting(GPU_ENCLAVE)),
                Duration.ofMillis(300));
        RaTlsException x = assertInstanceOf(RaTlsException.class, failureOf(connected));
        assertEquals(RaTlsException.Reason.TIMEOUT, x.reason());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250));
        silent.close().await(10, TimeUnit.SECONDS);
    }
}
