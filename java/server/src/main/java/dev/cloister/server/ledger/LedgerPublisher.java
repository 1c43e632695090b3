package dev.cloister.server.ledger;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.log.Submission;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.protocol.http.BoundedResponse;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * Submits canonical ledger entries to a ledger's {@code /add} under a submitter key and returns the
 * {@code .tlog-proof} the ledger answers once the entry is sequenced and cosigned. Used by the gateway (its key
 * configurations), the enclave (its release) and {@code cloister ledger publish}.
 */
public final class LedgerPublisher {

    private final WebClient web;
    private final URI ledger;
    private final Ed25519NoteSigner submitter;
    private final Duration timeout;

    public LedgerPublisher(WebClient web, URI ledger, Ed25519NoteSigner submitter, Duration timeout) {
        this.web = Objects.requireNonNull(web);
        this.ledger = Objects.requireNonNull(ledger);
        this.submitter = Objects.requireNonNull(submitter);
        this.timeout = Objects.requireNonNull(timeout);
    }

    /** What the ledger answered: the entry's index and its proof (the entry itself travels as the proof's extra data). */
    public record Published(long index, TlogProof proof) {}

    /** Publishes {@code entry}; the returned proof carries the entry as its {@code extra} data. */
    public Future<Published> publish(byte[] entry) {
        byte[] signature = submitter.sign(Submission.signedBytes(entry));
        return BoundedResponse.send(
                        web.postAbs(ledger.resolve("/add").toString())
                                .timeout(timeout.toMillis())
                                .putHeader("Cloister-Submitter", submitter.name())
                                .putHeader(
                                        "Cloister-Signature",
                                        Base64.getEncoder().encodeToString(signature)),
                        Buffer.buffer(entry),
                        TlogProof.MAX_SIZE)
                .compose(response -> {
                    if (response.statusCode() != 200) {
                        return Future.failedFuture(new IllegalStateException(
                                "the ledger answered " + response.statusCode() + " to a submission"));
                    }
                    try {
                        TlogProof proof = TlogProof.parse(response.body().getBytes());
                        TlogProof withEntry = new TlogProof(
                                java.util.Optional.of(dev.cloister.base.Bytes.of(entry)),
                                proof.index(),
                                proof.proof(),
                                proof.checkpoint());
                        return Future.succeededFuture(new Published(proof.index(), withEntry));
                    } catch (FormatException | RuntimeException e) {
                        return Future.failedFuture(new IllegalStateException(
                                "the ledger answered an unreadable proof: " + e.getMessage(), e));
                    }
                });
    }
}
