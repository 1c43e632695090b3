package dev.cloister.enclave;

import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One user's session inside the enclave: an RA-TLS connection whose bytes arrive through the gateway, and the one
 * application request it carries. Every buffer that held the user's plaintext is registered here and zeroed by
 * {@link #wipe()}, which the enclave calls when the session ends for any reason (answered, failed, timed out, evicted).
 *
 * <p>Java strings made while parsing the JSON body cannot be zeroed; they are dropped at the end of the request and
 * never leave the process (see the README's "what the enclave forgets").
 */
public final class EnclaveSession {

    /** What one step of TLS bytes produced. */
    // byte[]: TLS records handed as is to the response of this step (no copy on the request path)
    record Step(byte[] outgoing, Optional<BinaryRequest> request) {}

    private final RaTlsConnection tls;
    private final Clock clock;
    private final Instant created;
    private final List<byte[]> plaintext = new ArrayList<>();
    /** The last request step, answer record sealed, or end of the generation. */
    private volatile Instant lastUsed;
    /** From the request's arrival until its generation ends: an answer being generated is not idle. */
    private volatile boolean answering;
    /** When the request arrived (meaningful while {@link #answering}). */
    private volatile Instant answerSince;

    private boolean requestSeen;
    private boolean wiped;

    EnclaveSession(RaTlsConnection tls, Clock clock) {
        this.tls = tls;
        this.clock = clock;
        this.created = clock.instant();
        this.lastUsed = created;
    }

    /**
     * Feeds TLS bytes; returns what to send back and, once the handshake is done and the client's request arrived in
     * full (the client sends it in one step), the decoded request.
     */
    synchronized Step receive(byte[] bytes, Instant now, BhttpLimits limits) throws RaTlsException, BhttpException {
        lastUsed = now;
        tls.checkDeadline(now);
        tls.receive(bytes);
        byte[] received = tls.isHandshakeComplete() ? tls.takeReceived() : new byte[0];
        if (received.length == 0) {
            return new Step(tls.takeOutgoing(), Optional.empty());
        }
        keep(received);
        if (requestSeen) {
            throw new BhttpException(BhttpException.Reason.MALFORMED, "BHTTP request: a session carries one request");
        }
        requestSeen = true;
        BinaryRequest request = BinaryRequest.decode(received, limits);
        keep(request.content());
        answerSince = now;
        answering = true;
        return new Step(tls.takeOutgoing(), Optional.of(request));
    }

    /** Encrypts answer bytes and returns the TLS records to send. */
    synchronized byte[] seal(byte[] plain) throws RaTlsException {
        lastUsed = clock.instant(); // the answer moves: a padded one keeps sealing frames after its generation ended
        tls.send(plain);
        Arrays.fill(plain, (byte) 0);
        return tls.takeOutgoing();
    }

    /**
     * Ends TLS (close_notify, keys dropped) and returns the last records to send. The answer is then all sealed: idle
     * time counts from here (what is left only waits for the reader).
     */
    synchronized byte[] closeTls() {
        tls.close();
        lastUsed = clock.instant(); // before answering: whoever sees the answer ended sees when
        answering = false;
        return tls.takeOutgoing();
    }

    /**
     * The answer's generation ended (finished, stopped, cut or refused): idle time counts from here, and from each
     * record sealed after it (a padded answer's frames), so a reader that stops taking them is ended once idle.
     */
    void generationEnded() {
        if (answering) {
            lastUsed = clock.instant(); // before answering: whoever sees the answer ended sees when
            answering = false;
        }
    }

    /** Registers a buffer holding user plaintext, to be zeroed by {@link #wipe()}. */
    synchronized void keep(byte[] buffer) {
        if (wiped) {
            Arrays.fill(buffer, (byte) 0);
        } else {
            plaintext.add(buffer);
        }
    }

    /** Closes TLS and zeroes every registered buffer. Idempotent. */
    synchronized void wipe() {
        tls.close();
        for (byte[] buffer : plaintext) Arrays.fill(buffer, (byte) 0);
        wiped = true;
    }

    /** Test hook: the buffers that held plaintext (all zero after {@link #wipe()}). */
    public synchronized List<byte[]> plaintextBuffers() {
        return List.copyOf(plaintext);
    }

    Instant lastUsed() {
        return lastUsed;
    }

    /**
     * Whether the session has been idle since before {@code cutoff}: no request step and no answer record sealed since,
     * and no generation in progress (an answer is generated for as long as it takes; a reader that stops reading
     * pauses the generation, which its own bound ends as {@code STALLED}). An answer still marked in progress whose
     * request arrived before {@code answerCutoff} (later than any generation can run) counts as idle too: the backstop
     * for an answer whose end was never signalled.
     */
    boolean idleSince(Instant cutoff, Instant answerCutoff) {
        if (answering) {
            Instant since = answerSince;
            return since != null && since.isBefore(answerCutoff);
        }
        return lastUsed.isBefore(cutoff);
    }

    Instant created() {
        return created;
    }

    public synchronized boolean isWiped() {
        return wiped;
    }
}
