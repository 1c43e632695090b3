package dev.cloister.ledgerserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.witness.AddCheckpointRequest;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness server on loopback (c2sp.org/tlog-witness): it cosigns checkpoints that extend the one it last cosigned,
 * and refuses stale, forked, forged and malformed ones with the protocol's status and body.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class WitnessVerticleTest {

    private static final String ORIGIN = "ledger.cloister.example/witness-test";
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final long WAIT = 10;

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private Ed25519NoteSigner logKey;
    private Cosigner cosigner;
    private Sequencer log;
    private WebClient web;
    private int port;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        cosigner = new Cosigner("witness.example", Ed25519PrivateKey.generate(random));
        log = Sequencer.open(LogStorage.open(dir.resolve("log")), ORIGIN, logKey);
        Witness witness =
                new Witness(cosigner, List.of(identity()), new DirectoryCheckpointStore(dir.resolve("witness")));
        WitnessVerticle verticle =
                new WitnessVerticle(new ListenAddress("127.0.0.1", 0), witness, Clock.fixed(NOW, ZoneOffset.UTC));
        vertx.deployVerticle(verticle).await(WAIT, TimeUnit.SECONDS);
        port = verticle.actualPort();
        web = WebClient.create(vertx);
    }

    private LogIdentity identity() throws Exception {
        return new LogIdentity(ORIGIN, logKey.verifier());
    }

    private void grow(Sequencer sequencer, int entries) throws Exception {
        for (int i = 0; i < entries; i++) {
            byte[] entry = new byte[16];
            random.nextBytes(entry);
            sequencer.append(List.of(entry));
        }
    }

    private HttpResponse<Buffer> addCheckpoint(byte[] body) throws Exception {
        return web.post(port, "127.0.0.1", "/add-checkpoint")
                .sendBuffer(Buffer.buffer(body))
                .await(WAIT, TimeUnit.SECONDS);
    }

    private HttpResponse<Buffer> addCheckpoint(long oldSize, List<Bytes> proof, SignedNote checkpoint)
            throws Exception {
        return addCheckpoint(new AddCheckpointRequest(oldSize, proof, checkpoint).encode());
    }

    /** The checkpoint with the witness's answer added, opened under the log key and a 1-of-1 policy at NOW. */
    private void assertCosigned(SignedNote checkpoint, HttpResponse<Buffer> answer) throws Exception {
        assertEquals(200, answer.statusCode(), answer::bodyAsString);
        assertEquals("text/plain; charset=utf-8", answer.getHeader("content-type"));
        SignedNote cosigned = checkpoint.withSignatureLines(answer.body().getBytes());
        SignedCheckpoint opened = SignedCheckpoint.open(cosigned, identity(), List.of(cosigner.verifier()));
        var counted = WitnessPolicy.quorum(1, List.of(cosigner.verifier()), Duration.ofMinutes(1))
                .check(opened.note(), NOW);
        assertEquals(List.of(new WitnessPolicy.Cosignature("witness.example", NOW)), counted);
    }

    private static void assertRefused(HttpResponse<Buffer> answer, int status, String contentType, String body)
            throws Exception {
        assertEquals(status, answer.statusCode(), answer::bodyAsString);
        assertEquals(contentType, answer.getHeader("content-type"));
        assertEquals(body, answer.bodyAsString());
    }

    @Test
    void consistentCheckpointsAreCosignedAndStaleOnesAnswered409WithTheLatestSize() throws Exception {
        grow(log, 2);
        SignedNote two = log.checkpoint();
        assertCosigned(two, addCheckpoint(0, List.of(), two));
        grow(log, 3);
        SignedNote five = log.checkpoint();
        assertCosigned(five, addCheckpoint(2, log.consistencyProof(2, 5).hashes(), five));
        // The same checkpoint again, from the size the witness now holds: cosigned again (equal roots).
        assertCosigned(five, addCheckpoint(5, List.of(), five));

        // A client that believes the witness is older (or replays an old request) learns the latest size.
        assertRefused(addCheckpoint(0, List.of(), two), 409, "text/x.tlog.size", "5\n");
        assertRefused(addCheckpoint(2, log.consistencyProof(2, 5).hashes(), five), 409, "text/x.tlog.size", "5\n");
        // A rollback: an old size above the checkpoint's own.
        assertRefused(addCheckpoint(5, List.of(), two), 400, "text/plain; charset=utf-8", "bad_request\n");
    }

    @Test
    void aForkOrABadProofIsUnprocessable() throws Exception {
        grow(log, 3);
        SignedNote three = log.checkpoint();
        assertCosigned(three, addCheckpoint(0, List.of(), three));

        // The same log key signs another history of size 5: its proof from 3 cannot match the cosigned root.
        Sequencer fork = Sequencer.open(LogStorage.open(dir.resolve("fork")), ORIGIN, logKey);
        grow(fork, 5);
        assertRefused(
                addCheckpoint(3, fork.consistencyProof(3, 5).hashes(), fork.checkpoint()),
                422,
                "text/plain; charset=utf-8",
                "unprocessable\n");
        // The real log's next checkpoint with a tampered proof.
        grow(log, 2);
        List<Bytes> proof = log.consistencyProof(3, 5).hashes();
        byte[] flipped = proof.getFirst().toByteArray();
        flipped[0] ^= 1;
        List<Bytes> tampered = new java.util.ArrayList<>(proof);
        tampered.set(0, Bytes.of(flipped));
        assertRefused(
                addCheckpoint(3, tampered, log.checkpoint()), 422, "text/plain; charset=utf-8", "unprocessable\n");
        // From the witness's size, a proof must be empty only when the sizes are equal.
        assertRefused(
                addCheckpoint(3, List.of(), log.checkpoint()), 422, "text/plain; charset=utf-8", "unprocessable\n");
    }

    @Test
    void forgedUnknownAndMalformedCheckpointsAreRefused() throws Exception {
        grow(log, 1);
        Ed25519NoteSigner forger = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        Sequencer forged = Sequencer.open(LogStorage.open(dir.resolve("forged")), ORIGIN, forger);
        grow(forged, 1);
        assertRefused(
                addCheckpoint(0, List.of(), forged.checkpoint()), 403, "text/plain; charset=utf-8", "forbidden\n");

        String otherOrigin = "ledger.cloister.example/other";
        Sequencer other = Sequencer.open(
                LogStorage.open(dir.resolve("other")),
                otherOrigin,
                new Ed25519NoteSigner(otherOrigin, Ed25519PrivateKey.generate(random)));
        grow(other, 1);
        assertRefused(addCheckpoint(0, List.of(), other.checkpoint()), 404, "text/plain; charset=utf-8", "not_found\n");

        assertRefused(
                addCheckpoint("old 0\n\nnot a note".getBytes(StandardCharsets.UTF_8)),
                400,
                "text/plain; charset=utf-8",
                "bad_request\n");
        assertRefused(addCheckpoint(new byte[0]), 400, "text/plain; charset=utf-8", "bad_request\n");

        // None of these moved the witness: the real log's checkpoint is still cosigned from size 0.
        assertCosigned(log.checkpoint(), addCheckpoint(0, List.of(), log.checkpoint()));
    }

    @Test
    void anOversizedBodyIsRefusedWith413AndItsConnectionClosed(Vertx vertx) throws Exception {
        byte[] head = "POST /add-checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 70000\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + 70_000);
        Promise<String> closed = Promise.promise();
        Buffer received = Buffer.buffer();
        vertx.createNetClient()
                .connect(port, "127.0.0.1")
                .onFailure(closed::tryFail)
                .onSuccess(socket -> {
                    socket.handler(received::appendBuffer);
                    // Completes only when the server closes: the client never does.
                    socket.closeHandler(v -> closed.tryComplete(received.toString(StandardCharsets.ISO_8859_1)));
                    socket.write(Buffer.buffer(request));
                });
        String response = closed.future().await(WAIT, TimeUnit.SECONDS);
        assertTrue(response.startsWith("HTTP/1.1 413 "), response);
        assertTrue(response.toLowerCase().contains("content-type: " + Problem.MEDIA_TYPE), response);
        assertTrue(response.endsWith(Problem.TOO_LARGE.toJson().encode()), response);
    }

    @Test
    void wrongMethodsAndPathsAreRefused() throws Exception {
        HttpResponse<Buffer> get =
                web.get(port, "127.0.0.1", "/add-checkpoint").send().await(WAIT, TimeUnit.SECONDS);
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.getHeader("allow"));
        assertEquals(
                new JsonObject()
                        .put("type", "about:blank")
                        .put("title", "method not allowed")
                        .put("status", 405),
                get.bodyAsJsonObject());
        for (String path : List.of("/", "/add", "/add-checkpoint/", "/checkpoint")) {
            HttpResponse<Buffer> answer = web.request(HttpMethod.POST, port, "127.0.0.1", path)
                    .sendBuffer(Buffer.buffer("old 0\n"))
                    .await(WAIT, TimeUnit.SECONDS);
            assertEquals(404, answer.statusCode(), path);
            assertEquals(Problem.MEDIA_TYPE, answer.getHeader("content-type"));
        }
    }
}
