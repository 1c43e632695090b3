package dev.cloister.ledgerserver;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.log.Submission;
import dev.cloister.ledger.log.SubmissionQueue;
import dev.cloister.ledger.monitor.KeyUniqueness;
import dev.cloister.ledger.monitor.LogMonitor;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.tiles.TilePath;
import dev.cloister.ledger.witness.AddCheckpointRequest;
import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.server.BoundedBody;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transparency log server (c2sp.org/tlog-tiles): serves {@code /checkpoint}, tiles and entry bundles from the log
 * directory, and accepts submissions at {@code POST /add} from configured submitters. Submissions are sequenced in
 * batches every {@code interval}; the {@link Sequencer} writes tiles and the new checkpoint atomically and durably
 * before any submitter is answered, so an acknowledged entry survives any crash. After each batch the new checkpoint
 * is sent to the configured witnesses (c2sp.org/tlog-witness) and served with their cosignatures. Each submitter gets
 * its entry's index and a {@code .tlog-proof} (c2sp.org/tlog-proof).
 *
 * <p>A submission is authenticated by {@code Cloister-Submitter: <key name>} and {@code Cloister-Signature: <base64
 * Ed25519 signature over "cloister/ledger/add/v1\n" ‖ entry>} under a configured submitter key, and must be a
 * canonical Cloister ledger entry.
 *
 * <p>{@code /add} is idempotent: an entry whose exact bytes are already in the log (among its last
 * {@value #DEDUP_WINDOW} entries, indexed at start and kept as the log grows), or already waiting to be sequenced,
 * is answered with that entry's index and proof and appended nothing. So a replayed submission cannot grow the log,
 * and a party that publishes again after a restart (an issuer's keys, an enclave's release) gets the same index.
 */
public final class LedgerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerVerticle.class);

    public static final String PROOF_MEDIA_TYPE = "text/x.tlog-proof";
    private static final int MAX_ENTRY = 64 * 1024;
    private static final int MAX_BATCH = 4096;
    private static final int MAX_PENDING = 65536;
    /** How many of the newest entries the duplicate check remembers (their SHA-256: about 100 bytes each, 27 MB). */
    static final int DEDUP_WINDOW = 1 << 18;

    private final ListenAddress listen;
    private final Sequencer sequencer;
    private final LogStorage storage;
    private final Map<String, NoteVerifier> submitters;
    private final List<WitnessEndpoint> witnesses;
    private final Duration interval;
    private final MeterRegistry registry;
    private final Map<URI, Long> witnessSizes = new ConcurrentHashMap<>();
    /** The key rules every submission must keep (filled from the log at start; used on the event loop). */
    private final KeyUniqueness keyRules;

    /**
     * A witness the ledger asks for cosignatures: its URL and its cosignature key. Only lines that this key signed
     * over the checkpoint being published are kept; anything else a witness (or someone on the path) returns is dropped.
     */
    public record WitnessEndpoint(URI url, dev.cloister.ledger.witness.CosignatureVerifier key) {}

    private static final int MAX_WITNESS_REPLY = 4096;
    /** How often an unchanged checkpoint is cosigned again, unless told otherwise. */
    public static final Duration DEFAULT_RECOSIGN_INTERVAL = Duration.ofMinutes(10);

    private final Duration recosignEvery;
    /** When the served checkpoint was last cosigned (System.nanoTime); used on the event loop only. */
    private long lastCosigned = System.nanoTime();
    /** The submissions waiting to be appended and the duplicate check: used on the event loop only. */
    private final SubmissionQueue queue;
    /** What {@code GET /checkpoint} serves: the newest checkpoint once its cosignatures are in, not before. */
    private volatile SignedNote served;

    private WebClient web;
    private HttpServer server;
    private Counter appended;
    private Counter refused;

    /**
     * What an operator may tune beyond the ledger's parties.
     *
     * @param maxConcurrentOhttpKeys the most OHTTP key entries valid at one instant ({@link KeyUniqueness})
     * @param recosignEvery how often the witnesses are asked to cosign the current checkpoint again when no batch did
     *     (so that a quiet log still serves a checkpoint that clients' witness policies find recent: keep it well
     *     under their max age)
     * @param maxPending how many submissions may wait to be appended; more get 503 with Retry-After
     */
    public record Limits(int maxConcurrentOhttpKeys, Duration recosignEvery, int maxPending) {
        public static final Limits DEFAULTS =
                new Limits(KeyUniqueness.DEFAULT_MAX_CONCURRENT_OHTTP_KEYS, DEFAULT_RECOSIGN_INTERVAL, MAX_PENDING);

        public Limits {
            if (maxConcurrentOhttpKeys < 1) {
                throw new IllegalArgumentException(
                        "at most " + maxConcurrentOhttpKeys + " concurrent OHTTP keys: must be at least 1");
            }
            if (recosignEvery.isNegative() || recosignEvery.isZero()) {
                throw new IllegalArgumentException("re-cosign interval " + recosignEvery + " is not positive");
            }
            if (maxPending < 1) {
                throw new IllegalArgumentException(
                        "at most " + maxPending + " pending submissions: must be at least 1");
            }
        }

        public Limits withMaxConcurrentOhttpKeys(int keys) {
            return new Limits(keys, recosignEvery, maxPending);
        }

        public Limits withRecosignEvery(Duration every) {
            return new Limits(maxConcurrentOhttpKeys, every, maxPending);
        }

        public Limits withMaxPending(int pending) {
            return new Limits(maxConcurrentOhttpKeys, recosignEvery, pending);
        }
    }

    public LedgerVerticle(
            ListenAddress listen,
            Sequencer sequencer,
            LogStorage storage,
            List<? extends NoteVerifier> submitters,
            List<WitnessEndpoint> witnesses,
            Duration interval,
            MeterRegistry registry) {
        this(listen, sequencer, storage, submitters, witnesses, interval, registry, Limits.DEFAULTS);
    }

    public LedgerVerticle(
            ListenAddress listen,
            Sequencer sequencer,
            LogStorage storage,
            List<? extends NoteVerifier> submitters,
            List<WitnessEndpoint> witnesses,
            Duration interval,
            MeterRegistry registry,
            Limits limits) {
        this.recosignEvery = limits.recosignEvery();
        this.queue = new SubmissionQueue(limits.maxPending(), MAX_BATCH, DEDUP_WINDOW);
        this.keyRules = new KeyUniqueness(limits.maxConcurrentOhttpKeys());
        this.listen = listen;
        this.sequencer = sequencer;
        this.storage = storage;
        Map<String, NoteVerifier> byName = new ConcurrentHashMap<>();
        for (NoteVerifier v : submitters) byName.put(v.name(), v);
        this.submitters = Map.copyOf(byName);
        this.witnesses = List.copyOf(witnesses);
        this.interval = interval;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        web = WebClient.create(
                vertx,
                new WebClientOptions()
                        .setUserAgentEnabled(false)
                        .setConnectTimeout(2000)
                        .setIdleTimeout(10));
        appended = Counter.builder("cloister.ledger.entries.appended").register(registry);
        refused = Counter.builder("cloister.ledger.submissions.refused").register(registry);
        served = sequencer.checkpoint();
        return vertx.executeBlocking(
                        () -> {
                            queue.remember(sequencer, DEDUP_WINDOW);
                            rememberKeys();
                            return null;
                        },
                        false)
                .compose(remembered -> {
                    vertx.setPeriodic(interval.toMillis(), id -> sequenceBatch());
                    if (!witnesses.isEmpty()) {
                        vertx.setPeriodic(
                                Math.max(1, Math.min(recosignEvery.toMillis(), interval.toMillis())),
                                id -> recosignIfQuiet());
                    }
                    return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                                    .setIdleTimeout(30)
                                    .setMaxInitialLineLength(1024)
                                    .setMaxHeaderSize(8192))
                            .requestHandler(this::route)
                            .listen(listen.port(), listen.host());
                })
                .onSuccess(s -> {
                    server = s;
                    LOG.info("ledger listening on port {}", s.actualPort());
                });
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void route(HttpServerRequest request) {
        String path = request.path();
        if (path.equals("/add")) {
            if (request.method() != HttpMethod.POST) {
                Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "POST"));
            } else {
                add(request);
            }
            return;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            Problem.METHOD_NOT_ALLOWED.send(request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"));
            return;
        }
        if (path.equals("/checkpoint")) {
            request.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .end(Buffer.buffer(served.encode()));
        } else if (path.startsWith("/tile/")) {
            tile(request, path.substring(1));
        } else {
            Problem.NOT_FOUND.send(request.response());
        }
    }

    /** A tile or an entry bundle; only canonical tile paths are read, so no path escapes the log directory. */
    private void tile(HttpServerRequest request, String path) {
        TilePath tile;
        try {
            tile = TilePath.parse(path);
        } catch (FormatException e) {
            Problem.NOT_FOUND.send(request.response());
            return;
        }
        boolean full = !path.contains(".p/");
        vertx.executeBlocking(() -> storage.fetch(tile.path()), false)
                .onSuccess(bytes -> request.response()
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
                        .putHeader(
                                HttpHeaders.CACHE_CONTROL,
                                full ? "public, max-age=31536000, immutable" : "public, max-age=60")
                        .end(Buffer.buffer(bytes)))
                .onFailure(e -> {
                    if (e instanceof NoSuchFileException) {
                        Problem.NOT_FOUND.send(request.response());
                    } else {
                        Problem.INTERNAL.send(request.response());
                    }
                });
    }

    private void add(HttpServerRequest request) {
        String submitter = request.getHeader("Cloister-Submitter");
        String signature = request.getHeader("Cloister-Signature");
        NoteVerifier key = submitter == null ? null : submitters.get(submitter);
        if (key == null || signature == null) {
            refused.increment();
            new Problem(401, "about:blank", "unknown submitter").send(request.response());
            return;
        }
        BoundedBody.read(request, MAX_ENTRY).onComplete(read -> {
            if (read.failed()) {
                refused.increment();
                Problem.TOO_LARGE.sendAndClose(request);
                return;
            }
            byte[] entry = read.result().getBytes();
            byte[] sig;
            try {
                sig = Base64.getDecoder().decode(signature);
            } catch (IllegalArgumentException e) {
                sig = new byte[0];
            }
            if (!key.verify(Submission.signedBytes(entry), sig)) {
                refused.increment();
                new Problem(401, "about:blank", "submission signature does not verify").send(request.response());
                return;
            }
            LedgerEntry decoded;
            try {
                decoded = LedgerEntry.decode(entry);
            } catch (FormatException | RuntimeException e) {
                refused.increment();
                new Problem(400, "about:blank", "not a canonical Cloister ledger entry").send(request.response());
                return;
            }
            keyRules.forgetExpiredOhttpKeys(Instant.now());
            Optional<String> violation = keyRules.violation(decoded);
            if (violation.isPresent()) {
                refused.increment();
                LOG.warn("submission by {} refused: {}", submitter, violation.get());
                new Problem(409, "about:blank", "the entry breaks the ledger's key rules: " + violation.get())
                        .send(request.response());
                return;
            }
            Future<Long> index;
            switch (queue.submit(entry)) {
                case SubmissionQueue.Admission.Known known -> index = Future.succeededFuture(known.index());
                case SubmissionQueue.Admission.Queued queued -> {
                    keyRules.admit(-1, decoded);
                    index = Future.fromCompletionStage(queued.index(), vertx.getOrCreateContext());
                }
                case SubmissionQueue.Admission.Full full -> {
                    refused.increment();
                    Problem.UNAVAILABLE.send(request.response().putHeader(HttpHeaders.RETRY_AFTER, "1"));
                    return;
                }
            }
            index.compose(i -> vertx.executeBlocking(
                                    () -> sequencer
                                            .tlogProof(i, Optional.empty())
                                            .encode(),
                                    false)
                            .map(proof -> Map.entry(i, proof)))
                    .onSuccess(done -> request.response()
                            .putHeader(HttpHeaders.CONTENT_TYPE, PROOF_MEDIA_TYPE)
                            .putHeader("Cloister-Entry-Index", Long.toString(done.getKey()))
                            .end(Buffer.buffer(done.getValue())))
                    .onFailure(
                            e -> Problem.UNAVAILABLE.send(request.response().putHeader(HttpHeaders.RETRY_AFTER, "1")));
        });
    }

    /**
     * Reads every entry of the log into the key rules, so that a submission is checked against the whole log; an entry
     * already logged that breaks them (a log written before the rules, or by hand) is logged loudly, not hidden.
     */
    private void rememberKeys() throws java.io.IOException, dev.cloister.ledger.LedgerException {
        long[] violations = {0};
        LogMonitor.forEachEntry(storage, 0, sequencer.size(), (index, bytes) -> {
            LedgerEntry decoded;
            try {
                decoded = LedgerEntry.decode(bytes);
            } catch (FormatException | RuntimeException e) {
                return;
            }
            Optional<String> violation = keyRules.violation(decoded);
            if (violation.isPresent() && violations[0]++ < 10) {
                LOG.error("ledger entry {} breaks the key rules: {}", index, violation.get());
            }
            keyRules.admit(index, decoded);
        });
        if (violations[0] > 0) {
            LOG.error("{} logged entries break the key rules (`cloister monitor` lists them all)", violations[0]);
        }
        keyRules.forgetExpiredOhttpKeys(Instant.now());
    }

    /** Appends the pending submissions (durably), gathers cosignatures, then answers the submitters. */
    private void sequenceBatch() {
        Optional<SubmissionQueue.Batch> next = queue.nextBatch();
        if (next.isEmpty()) return;
        SubmissionQueue.Batch batch = next.get();
        List<byte[]> entries = batch.entries();
        vertx.executeBlocking(() -> sequencer.append(entries), true)
                .compose(result -> cosign().map(result))
                .onComplete(result -> {
                    if (result.failed()) {
                        LOG.warn("sequencing a batch of {} entries failed", batch.size());
                        queue.failed(batch, result.cause());
                        return;
                    }
                    appended.increment(batch.size());
                    served = sequencer.checkpoint();
                    queue.appended(batch, result.result().firstIndex());
                });
    }

    /**
     * Has the witnesses cosign the current checkpoint again when no batch did for {@code recosignEvery}: a witness
     * cosigns an unchanged checkpoint with a fresh timestamp (tlog-witness, old size = size), so proofs under it stay
     * recent enough for clients while the log is quiet.
     */
    private void recosignIfQuiet() {
        if (recosigning || System.nanoTime() - lastCosigned < recosignEvery.toNanos()) return;
        recosigning = true;
        lastCosigned = System.nanoTime();
        cosign().onComplete(r -> {
            recosigning = false;
            served = sequencer.checkpoint();
        });
    }

    /** Whether a re-cosigning is in progress (event loop only). */
    private boolean recosigning;

    /**
     * Sends the current checkpoint to every witness and publishes it with the valid cosignatures that came back. A
     * witness that fails, answers garbage or signs wrongly is left out: it never holds the log back, and it can never
     * make the served checkpoint unverifiable (clients apply their own quorum).
     */
    private Future<Void> cosign() {
        if (witnesses.isEmpty()) return Future.succeededFuture();
        lastCosigned = System.nanoTime();
        // Earlier cosignatures of the same checkpoint are replaced, not accumulated.
        SignedNote checkpoint = sequencer
                .checkpoint()
                .keepSignatures(s -> witnesses.stream()
                        .noneMatch(w ->
                                w.key().name().equals(s.keyName()) && w.key().keyId() == s.keyId()));
        long size = sequencer.size();
        List<Future<List<dev.cloister.ledger.note.NoteSignature>>> answers = new ArrayList<>();
        for (WitnessEndpoint witness : witnesses) {
            answers.add(askWitness(witness.url(), checkpoint, size, true)
                    .map(reply -> validCosignatures(witness, checkpoint, reply))
                    .otherwise(e -> {
                        LOG.warn(
                                "a witness did not cosign size {} (HTTP status {})",
                                size,
                                e instanceof WitnessRefusal refusal ? refusal.status : 0);
                        return List.of();
                    }));
        }
        return Future.join(answers)
                .compose(all -> {
                    SignedNote cosigned = checkpoint;
                    for (var answer : answers) {
                        for (var signature : answer.result()) cosigned = cosigned.withSignature(signature);
                    }
                    if (cosigned == checkpoint) return Future.succeededFuture();
                    SignedNote publish = cosigned;
                    return vertx.<Void>executeBlocking(
                            () -> {
                                sequencer.publishCosigned(publish);
                                return null;
                            },
                            true);
                })
                .recover(e -> {
                    LOG.warn("publishing the cosigned checkpoint of size {} failed", size);
                    return Future.succeededFuture();
                });
    }

    /** The cosignature lines of {@code reply} that {@code witness}'s key made over {@code checkpoint}; others dropped. */
    private static List<dev.cloister.ledger.note.NoteSignature> validCosignatures(
            WitnessEndpoint witness, SignedNote checkpoint, byte[] reply) {
        if (reply.length > MAX_WITNESS_REPLY) {
            throw new WitnessRefusal(200);
        }
        List<dev.cloister.ledger.note.NoteSignature> valid = new ArrayList<>();
        try {
            SignedNote withReply = checkpoint.withSignatureLines(reply);
            for (var signature : withReply.signatures()) {
                if (signature.keyName().equals(witness.key().name())
                        && signature.keyId() == witness.key().keyId()
                        && witness.key()
                                .verify(checkpoint.text(), signature.signature().toByteArray())) {
                    valid.add(signature);
                    break;
                }
            }
        } catch (FormatException | RuntimeException e) {
            throw new WitnessRefusal(200);
        }
        if (valid.isEmpty()) {
            throw new WitnessRefusal(200);
        }
        return valid;
    }

    /** A witness answered with an error status. */
    private static final class WitnessRefusal extends RuntimeException {
        final int status;

        WitnessRefusal(int status) {
            super("witness answered " + status, null, false, false);
            this.status = status;
        }
    }

    private Future<byte[]> askWitness(URI witness, SignedNote checkpoint, long size, boolean retryOnConflict) {
        // A witness is another party: at most 64 KiB of its answer is read (a cosignature line is ~100 bytes).
        long oldSize = Math.min(witnessSizes.getOrDefault(witness, 0L), size);
        // From an empty tree (a witness that has seen nothing) the proof is empty (c2sp.org/tlog-witness).
        return vertx.executeBlocking(
                        () -> new AddCheckpointRequest(
                                        oldSize,
                                        oldSize == 0 || oldSize == size
                                                ? List.of()
                                                : sequencer
                                                        .consistencyProof(oldSize, size)
                                                        .hashes(),
                                        checkpoint)
                                .encode(),
                        false)
                .compose(body -> BoundedResponse.send(
                        web.postAbs(witness.resolve("/add-checkpoint").toString())
                                .timeout(5000),
                        Buffer.buffer(body),
                        64 << 10))
                .compose(response -> {
                    if (response.statusCode() == 200) {
                        witnessSizes.put(witness, size);
                        return Future.succeededFuture(response.body().getBytes());
                    }
                    if (response.statusCode() == 409 && retryOnConflict) {
                        try {
                            witnessSizes.put(
                                    witness,
                                    Long.parseLong(response.body().toString().strip()));
                        } catch (NumberFormatException e) {
                            return Future.failedFuture(new WitnessRefusal(409));
                        }
                        return askWitness(witness, checkpoint, size, false);
                    }
                    return Future.failedFuture(new WitnessRefusal(response.statusCode()));
                });
    }
}
