package dev.cloister.client.session;

import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.protocol.AnswerLine;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.IndeterminateResponseReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads the gateway's streamed response (indeterminate-length BHTTP whose content is the enclave's TLS records),
 * decrypts the records as they arrive, and reads the enclave's answer from the plaintext. The answer's framing is
 * read from its first byte (RFC 9292, section 3.3), so a whole answer or a refusal is read whichever mode was
 * asked for.
 */
final class AnswerReader {
    /** RFC 9292 framing indicator of an indeterminate-length response. */
    private static final int INDETERMINATE_RESPONSE = 3;
    /** The most of a refusal's problem document that is kept. */
    private static final int MAX_PROBLEM_BYTES = 16 * 1024;

    private final RaTlsConnection tls;
    private final Consumer<String> onText;
    private final RequestAttempt attempt;
    private IndeterminateResponseReader outerReader;
    private boolean outerIndeterminate;
    private boolean outerDecided;
    private int innerFraming = -1;
    private final IndeterminateResponseReader innerStream = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
    private final ByteArrayOutputStream innerWhole = new ByteArrayOutputStream();
    private final ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    private final ByteArrayOutputStream lines = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();
    private AnswerLine.End done;
    private Exception failure;

    AnswerReader(RaTlsConnection tls, Consumer<String> onText, RequestAttempt attempt) {
        this.tls = tls;
        this.onText = onText;
        this.attempt = attempt;
    }

    /** One opened OHTTP chunk of the gateway's BHTTP response. */
    void outer(byte[] chunk) {
        if (failure != null || chunk.length == 0) return;
        try {
            if (!outerDecided) {
                outerDecided = true;
                outerIndeterminate = chunk[0] == INDETERMINATE_RESPONSE;
                if (outerIndeterminate) outerReader = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
            }
            if (!outerIndeterminate) return;
            List<byte[]> records = outerReader.offer(chunk);
            if (outerReader.head().map(h -> h.status() != 200).orElse(false)) return;
            for (byte[] r : records) tlsBytes(r);
        } catch (Exception e) {
            failure = e;
        }
    }

    void finishOuter(BinaryResponse outer) throws SessionFailure {
        try {
            if (failure == null && !outerIndeterminate) tlsBytes(outer.content());
            if (failure != null) throw failure;
        } catch (SessionFailure f) {
            throw f;
        } catch (Exception e) {
            throw new SessionFailure(
                    SessionFailure.Kind.ENCLAVE, "the enclave's answer is unreadable: " + e.getMessage(), e);
        }
    }

    private void tlsBytes(byte[] records) throws RaTlsException, BhttpException, AnswerLine.Malformed {
        if (records.length == 0) return;
        tls.receive(records);
        byte[] plain = tls.takeReceived();
        if (plain.length == 0) return;
        if (innerFraming < 0) innerFraming = plain[0];
        if (innerFraming != INDETERMINATE_RESPONSE) {
            innerWhole.writeBytes(plain);
            return;
        }
        for (byte[] piece : innerStream.offer(plain)) {
            if (innerStream.head().map(h -> h.status() != 200).orElse(true)) {
                // A refusal: its content is a problem document, kept (bounded) for its reason.
                refusal.write(piece, 0, Math.min(piece.length, MAX_PROBLEM_BYTES - refusal.size()));
                continue;
            }
            lines.writeBytes(piece);
            byte[] all = lines.toByteArray();
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    line(new String(all, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            lines.reset();
            lines.write(all, start, all.length - start);
        }
    }

    private void line(String line) throws AnswerLine.Malformed {
        switch (AnswerLine.decode(line)) {
            case AnswerLine.Text t -> deliver(t.text());
            case AnswerLine.End e -> done = e;
        }
    }

    private void deliver(String piece) {
        text.append(piece);
        if (onText != null && !piece.isEmpty()) {
            attempt.textDelivered = true;
            onText.accept(piece);
        }
    }

    CloisterClient.Answer answer(RequestAttempt attempt) throws SessionFailure {
        if (innerFraming == INDETERMINATE_RESPONSE) {
            int status = innerStream
                    .head()
                    .map(IndeterminateResponseReader.Head::status)
                    .orElse(0);
            if (status != 200 && status != 0) {
                throw refused(status, refusal.toByteArray());
            }
            if (status != 200 || done == null) {
                throw new SessionFailure(
                        SessionFailure.Kind.ENCLAVE,
                        false,
                        "the enclave's streamed answer ended " + (status == 200 ? "early" : "before its head"),
                        null);
            }
        } else {
            BinaryResponse inner;
            try {
                inner = BinaryResponse.decode(innerWhole.toByteArray(), BhttpLimits.DEFAULT);
            } catch (BhttpException e) {
                throw new SessionFailure(SessionFailure.Kind.ENCLAVE, "the enclave's answer is unreadable", e);
            }
            if (inner.status() != 200) {
                throw refused(inner.status(), inner.content());
            }
            AnswerLine.Whole whole;
            try {
                whole = AnswerLine.decodeWhole(new String(inner.content(), StandardCharsets.UTF_8));
            } catch (AnswerLine.Malformed e) {
                throw new SessionFailure(
                        SessionFailure.Kind.ENCLAVE, "the enclave's answer is unreadable: " + e.getMessage(), e);
            }
            done = whole.end();
            deliver(whole.text());
        }
        RequestLogEntry entry = attempt.entry(RequestLogEntry.Outcome.OK);
        return new CloisterClient.Answer(
                text.toString(), done.finish(), done.promptTokens(), done.generatedTokens(), entry);
    }

    /**
     * The enclave refused the request: a 4xx is the request's fault and never retried; a 5xx (at capacity, could
     * not start) may succeed on a fresh session.
     */
    private static SessionFailure refused(int status, byte[] problem) {
        String detail = ProblemDetails.detail(problem);
        return new SessionFailure(
                status >= 500 ? SessionFailure.Kind.ENCLAVE : SessionFailure.Kind.REQUEST,
                status >= 500,
                "the enclave refused the request (" + status + ")" + (detail.isEmpty() ? "" : ": " + detail),
                null);
    }
}
