package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.wire.bhttp.BhttpLimits;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The enclave's answer leaves in sealing order: several threads seal at once (as the scheduler's thread and the
 * event loop do), and a real TLS client reading the HTTP response opens every record, each thread's in its order,
 * and then close_notify.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordOutboxTest {

    static final SecureRandom RANDOM = new SecureRandom();
    static final byte[] RELEASE = new byte[48];
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final BhttpLimits LIMITS = new BhttpLimits(1 << 20, 16 << 10, 64, 1 << 20, 0);

    Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** A client and an enclave session whose handshake is done (in memory), and the enclave's last flight. */
    record Opened(RaTlsConnection client, EnclaveSession session, byte[] lastFlight) {}

    static Opened handshake() throws Exception {
        return handshake(Clock.systemUTC());
    }

    /** As {@link #handshake()}, the enclave's session timed by {@code clock} (which must read the present). */
    static Opened handshake(Clock clock) throws Exception {
        Path dir = Path.of("target", "record-outbox-sim");
        SimulatedSevSnpPlatform cpu = SimulatedSevSnpPlatform.openOrCreate(dir, Instant.now(), RANDOM);
        SimulatedNvidiaGpu gpu = SimulatedNvidiaGpu.openOrCreate(dir, Instant.now(), RANDOM);
        SimulatedEvidenceSource evidence = new SimulatedEvidenceSource(
                cpu, Optional.of(gpu), RELEASE, Duration.ZERO, Duration.ofMinutes(1), Clock.systemUTC(), RANDOM);
        EnclaveIdentity identity = EnclaveIdentity.generate(
                evidence,
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
        RaTlsServer server = RaTlsServer.create(
                identity,
                List.of(KeyExchange.X25519),
                new RaTlsServer.ClientAuthentication.None(),
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
        RaTlsClient raTlsClient = RaTlsClient.create(
                RaTlsPolicy.acceptingReleases(
                        cpu.insecurePolicy(),
                        List.of(RELEASE),
                        new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5))),
                AttestationVerifier.create(),
                KeyExchange.X25519,
                Optional.empty(),
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
        RaTlsConnection client = raTlsClient.connect();
        EnclaveSession session = new EnclaveSession(server.accept(), clock);
        byte[] toServer = client.takeOutgoing();
        while (!client.isHandshakeComplete()) {
            client.receive(session.receive(toServer, Instant.now(), LIMITS).outgoing());
            toServer = client.takeOutgoing();
        }
        byte[] lastFlight = session.receive(toServer, Instant.now(), LIMITS).outgoing();
        return new Opened(client, session, lastFlight);
    }

    /**
     * A slow reader: an HTTP server on loopback with a 4 KiB send buffer answers with {@code answer}, and a client with
     * a 4 KiB receive buffer takes the response one read every {@code everyMillis} ms. Returns the whole body.
     */
    Buffer readSlowly(io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> answer, long everyMillis)
            throws Exception {
        HttpServer http = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSendBufferSize(4096))
                .requestHandler(answer)
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        HttpClient httpClient =
                vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setReceiveBufferSize(4096));
        Promise<Buffer> body = Promise.promise();
        httpClient
                .request(HttpMethod.GET, http.actualPort(), "127.0.0.1", "/")
                .compose(r -> r.send())
                .onSuccess(response -> {
                    Buffer all = Buffer.buffer();
                    response.pause();
                    response.handler(all::appendBuffer);
                    response.endHandler(v -> body.tryComplete(all));
                    response.exceptionHandler(body::tryFail);
                    vertx.setPeriodic(everyMillis, id -> {
                        if (body.future().isComplete()) {
                            vertx.cancelTimer(id);
                        } else {
                            response.fetch(1);
                        }
                    });
                })
                .onFailure(body::tryFail);
        return body.future().await(60, TimeUnit.SECONDS);
    }

    @Test
    void recordsSealedOnSeveralThreadsLeaveInSealingOrder() throws Exception {
        Opened opened = handshake();
        RaTlsConnection client = opened.client();
        EnclaveSession session = opened.session();
        byte[] lastFlight = opened.lastFlight();

        int threads = 4;
        int perThread = 300;
        Promise<Void> ended = Promise.promise();
        HttpServer http = vertx.createHttpServer()
                .requestHandler(request -> {
                    request.response().setChunked(true);
                    RecordOutbox outbox = new RecordOutbox(
                            session, request.response(), Vertx.currentContext(), () -> ended.tryComplete());
                    outbox.queueRecords(lastFlight);
                    List<Thread> sealers = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int thread = t;
                        sealers.add(Thread.ofPlatform().start(() -> {
                            for (int i = 0; i < perThread; i++) {
                                outbox.seal((thread + ":" + i + "\n").getBytes(StandardCharsets.UTF_8));
                            }
                        }));
                    }
                    Thread.ofPlatform().start(() -> {
                        for (Thread sealer : sealers) {
                            try {
                                sealer.join();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        outbox.close();
                    });
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);

        HttpClient httpClient = vertx.createHttpClient();
        Buffer body = httpClient
                .request(HttpMethod.GET, http.actualPort(), "127.0.0.1", "/")
                .compose(r -> r.send().compose(HttpClientResponse::body))
                .await(30, TimeUnit.SECONDS);
        ended.future().await(10, TimeUnit.SECONDS);

        client.receive(body.getBytes()); // a record out of order fails here (bad_record_mac)
        assertTrue(client.isClosed(), "close_notify arrived last");
        String[] lines = new String(client.takeReceived(), StandardCharsets.UTF_8).split("\n");
        assertEquals(threads * perThread, lines.length);
        int[] next = new int[threads];
        for (String line : lines) {
            String[] parts = line.split(":");
            int thread = Integer.parseInt(parts[0]);
            assertEquals(next[thread]++, Integer.parseInt(parts[1]), "thread " + thread + "'s order");
        }
        assertEquals(
                List.of(perThread, perThread, perThread, perThread),
                Arrays.stream(next).boxed().toList());
    }

    /**
     * A reader that takes the answer slowly (a small socket buffer, one read at a time) while the producer (standing in
     * for the scheduler: it seals only while not paused) could seal far faster: the outbox pauses the producer once
     * its bound waits, resumes it on drain, never holds more than the bound plus one record, and the reader gets every
     * record, in order, then close_notify.
     */
    @Test
    void aSlowReaderGetsEveryRecordWhileTheOutboxStaysUnderItsBound() throws Exception {
        Opened opened = handshake();
        int pauseBytes = 4096;
        int lines = 2000;
        String filler = "x".repeat(200);
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger pauses = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        Promise<Void> ended = Promise.promise();
        RecordOutbox[] outbox = new RecordOutbox[1];
        Buffer received = readSlowly(
                request -> {
                    request.response().setChunked(true);
                    outbox[0] = new RecordOutbox(
                            opened.session(),
                            request.response(),
                            Vertx.currentContext(),
                            () -> ended.tryComplete(),
                            pauseBytes);
                    outbox[0].queueRecords(opened.lastFlight());
                    outbox[0].throttle(new AnswerChannel.Throttle(
                            () -> {
                                paused.set(true);
                                pauses.incrementAndGet();
                            },
                            () -> paused.set(false)));
                    Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < lines; i++) {
                            while (paused.get()) {
                                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                            }
                            outbox[0].seal((i + ":" + filler + "\n").getBytes(StandardCharsets.UTF_8));
                            peak.accumulateAndGet(outbox[0].queuedBytes(), Math::max);
                        }
                        outbox[0].close();
                    });
                },
                2);
        ended.future().await(10, TimeUnit.SECONDS);

        opened.client().receive(received.getBytes());
        assertTrue(opened.client().isClosed(), "close_notify arrived last");
        String[] got = new String(opened.client().takeReceived(), StandardCharsets.UTF_8).split("\n");
        assertEquals(lines, got.length);
        for (int i = 0; i < lines; i++) assertEquals(i + ":" + filler, got[i]);
        assertTrue(pauses.get() > 0, "the reader was slow enough to pause the producer");
        assertEquals(0, outbox[0].queuedBytes());
        long oneRecord = 300; // a line of 200-odd bytes, sealed
        assertTrue(
                outbox[0].peakQueuedBytes() <= pauseBytes + oneRecord,
                () -> "the outbox held " + outbox[0].peakQueuedBytes() + " bytes, bound " + pauseBytes);
        assertTrue(peak.get() <= pauseBytes + oneRecord);
    }

    /**
     * Padded frames for a slow reader: ticks that find the outbox pressed send no frame, the model's bytes wait in the
     * framer until its bound pauses the producer, and the reader still gets the whole answer in records of one size
     * (each frame one record), padded to a size bucket; the outbox never holds more than its bound plus one frame.
     */
    @Test
    void framesForASlowReaderKeepTheirSizeAndNeverPauseTheProducer() throws Exception {
        Opened opened = handshake();
        int pauseBytes = 4096;
        AnswerPadding padding = new AnswerPadding(
                1024, Duration.ofMillis(1), Duration.ofMillis(1), dev.cloister.protocol.padding.SizeBuckets.DEFAULT);
        int lines = 500;
        String filler = "y".repeat(200);
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger pauses = new java.util.concurrent.atomic.AtomicInteger();
        Promise<Void> ended = Promise.promise();
        RecordOutbox[] outbox = new RecordOutbox[1];
        byte[] received = readSlowly(
                        request -> {
                            request.response().setChunked(true);
                            outbox[0] = new RecordOutbox(
                                    opened.session(),
                                    request.response(),
                                    Vertx.currentContext(),
                                    () -> ended.tryComplete(),
                                    pauseBytes);
                            outbox[0].queueRecords(opened.lastFlight());
                            FramedChannel frames = new FramedChannel(vertx, outbox[0], opened.session(), padding);
                            frames.throttle(new AnswerChannel.Throttle(
                                    () -> {
                                        paused.set(true);
                                        pauses.incrementAndGet();
                                    },
                                    () -> paused.set(false)));
                            Thread.ofPlatform().start(() -> {
                                for (int i = 0; i < lines; i++) {
                                    while (paused.get()) {
                                        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                                    }
                                    frames.seal((i + ":" + filler + "\n").getBytes(StandardCharsets.UTF_8));
                                }
                                frames.close();
                            });
                        },
                        3)
                .getBytes();
        ended.future().await(10, TimeUnit.SECONDS);

        // After the handshake's last flight: one record per frame, all of one size, then close_notify.
        List<Integer> recordLengths = new ArrayList<>();
        for (int at = opened.lastFlight().length; at < received.length; ) {
            int length = ((received[at + 3] & 0xff) << 8) | (received[at + 4] & 0xff);
            recordLengths.add(length);
            at += 5 + length;
        }
        List<Integer> frameRecords = recordLengths.subList(0, recordLengths.size() - 1);
        assertTrue(
                frameRecords.stream().allMatch(length -> length == 1024 + 17),
                () -> "every frame is one record of one size: " + recordLengths);
        assertEquals(
                dev.cloister.protocol.padding.SizeBuckets.DEFAULT.size(frameRecords.size() * 1024L),
                frameRecords.size() * 1024L,
                "the frames fill a size bucket");

        opened.client().receive(received);
        assertTrue(opened.client().isClosed(), "close_notify arrived last");
        dev.cloister.protocol.padding.AnswerFrames.Reader frames =
                new dev.cloister.protocol.padding.AnswerFrames.Reader();
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        for (byte[] piece : frames.offer(opened.client().takeReceived())) answer.writeBytes(piece);
        String[] got = answer.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(lines, got.length);
        for (int i = 0; i < lines; i++) assertEquals(i + ":" + filler, got[i]);
        // Pausing at a framer bound would make a stalled answer's reset depend on its length: framed answers never do.
        assertEquals(0, pauses.get(), "a framed answer paused the producer");
        assertTrue(
                outbox[0].peakQueuedBytes() <= pauseBytes + 1024 + 17 + 5,
                () -> "the outbox held " + outbox[0].peakQueuedBytes() + " bytes, bound " + pauseBytes);
    }
}
