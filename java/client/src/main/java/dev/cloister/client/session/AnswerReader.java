package dev.cloister.client.session;

import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.protocol.AnswerLine;
import dev.cloister.protocol.padding.AnswerFrames;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.IndeterminateResponseReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads the gateway's streamed response (indeterminate-length BHTTP whose content is the enclave's TLS records),
 * decrypts the records as they arrive, and reads the enclave's answer from the plaintext. The answer's framing is
 * read from its first byte (RFC 9292, section 3.3), so a whole answer or a refusal is read whichever mode was
 * asked for. What the answer's content means is its {@link Content}'s business: JSON lines for the use cases, server-sent
 * chat completion chunks for the OpenAI-compatible API.
 */
final class AnswerReader {

    /** Reads the content of a successful (200) answer, streamed or whole. */
    interface Content {
        /** A piece of a streamed answer's content, in order. */
        void streamed(byte[] piece) throws Exception;

        /** A whole answer's content. */
        void whole(byte[] content) throws Exception;

        /** Whether the streamed content reached its proper end (a stream that stops before is cut short). */
        boolean complete();

        /** The enclave refused the request with {@code status}; {@code body} is its refusal document (bounded). */
        SessionFailure refused(int status, byte[] body);
    }
    /** RFC 9292 framing indicator of an indeterminate-length response. */
    private static final int INDETERMINATE_RESPONSE = 3;
    /** The most of a refusal's problem document that is kept. */
    private static final int MAX_PROBLEM_BYTES = 16 * 1024;

    private final RaTlsConnection tls;
    private final Content content;
    private IndeterminateResponseReader outerReader;
    private boolean outerIndeterminate;
    private boolean outerDecided;
    private int innerFraming = -1;
    private final IndeterminateResponseReader innerStream = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
    private final ByteArrayOutputStream innerWhole = new ByteArrayOutputStream();
    private final ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    private Exception failure;
    /** Present when the enclave was asked to frame its streamed answer ({@link AnswerFrames}). */
    private final Optional<AnswerFrames.Reader> frames;

    AnswerReader(RaTlsConnection tls, Content content, Optional<AnswerFrames.Reader> frames) {
        this.tls = tls;
        this.content = content;
        this.frames = frames;
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

    private void tlsBytes(byte[] records) throws Exception {
        if (records.length == 0) return;
        tls.receive(records);
        byte[] received = tls.takeReceived();
        if (frames.isEmpty()) {
            answerBytes(received);
            return;
        }
        for (byte[] data : frames.get().offer(received)) answerBytes(data);
        Arrays.fill(received, (byte) 0);
    }

    /** The next bytes of the enclave's BHTTP answer. */
    private void answerBytes(byte[] plain) throws Exception {
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
            content.streamed(piece);
        }
    }

    /** Checks that the answer was read in full and succeeded; its content went to the {@link Content}. */
    void finish() throws SessionFailure {
        if (frames.isPresent() && !frames.get().atFrameBoundary()) {
            frames.get().destroy();
            throw new SessionFailure(
                    SessionFailure.Kind.ENCLAVE, false, "the enclave's framed answer ended inside a frame", null);
        }
        if (innerFraming == INDETERMINATE_RESPONSE) {
            int status = innerStream
                    .head()
                    .map(IndeterminateResponseReader.Head::status)
                    .orElse(0);
            if (status != 200 && status != 0) {
                throw content.refused(status, refusal.toByteArray());
            }
            if (status != 200 || !content.complete()) {
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
                throw content.refused(inner.status(), inner.content());
            }
            try {
                content.whole(inner.content());
            } catch (SessionFailure f) {
                throw f;
            } catch (Exception e) {
                throw new SessionFailure(
                        SessionFailure.Kind.ENCLAVE, "the enclave's answer is unreadable: " + e.getMessage(), e);
            }
        }
    }

    /** The use cases' answer: JSON lines streamed ({@link AnswerLine}), or one JSON object whole. */
    static final class JsonLines implements Content {
        private final Consumer<String> onText;
        private final RequestAttempt attempt;
        private final ByteArrayOutputStream lines = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();
        private AnswerLine.End done;

        JsonLines(Consumer<String> onText, RequestAttempt attempt) {
            this.onText = onText;
            this.attempt = attempt;
        }

        @Override
        public void streamed(byte[] piece) throws AnswerLine.Malformed {
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

        private void line(String line) throws AnswerLine.Malformed {
            switch (AnswerLine.decode(line)) {
                case AnswerLine.Text t -> deliver(t.text());
                case AnswerLine.End e -> done = e;
            }
        }

        @Override
        public void whole(byte[] content) throws AnswerLine.Malformed {
            AnswerLine.Whole whole = AnswerLine.decodeWhole(new String(content, StandardCharsets.UTF_8));
            done = whole.end();
            deliver(whole.text());
        }

        @Override
        public boolean complete() {
            return done != null;
        }

        @Override
        public SessionFailure refused(int status, byte[] body) {
            return AnswerReader.refused(status, body);
        }

        private void deliver(String piece) {
            text.append(piece);
            if (onText != null && !piece.isEmpty()) {
                attempt.textDelivered = true;
                onText.accept(piece);
            }
        }

        CloisterClient.Answer answer() {
            RequestLogEntry entry = attempt.entry(RequestLogEntry.Outcome.OK);
            return new CloisterClient.Answer(
                    text.toString(), done.finish(), done.promptTokens(), done.generatedTokens(), entry);
        }
    }

    /**
     * The enclave refused the request: a 4xx is the request's fault and never retried; a 5xx (at capacity, could
     * not start) may succeed on a fresh session.
     */
    static SessionFailure refused(int status, byte[] problem) {
        String detail = ProblemDetails.detail(problem);
        return new SessionFailure(
                status >= 500 ? SessionFailure.Kind.ENCLAVE : SessionFailure.Kind.REQUEST,
                status >= 500,
                "the enclave refused the request (" + status + ")" + (detail.isEmpty() ? "" : ": " + detail),
                null);
    }
}
