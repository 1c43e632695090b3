package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import dev.cloister.wire.bhttp.BhttpException.Reason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads an indeterminate-length response (RFC 9292 §3.2, framing indicator 3) as its bytes arrive, the counterpart of
 * {@link IndeterminateResponseWriter}: the head as soon as it is complete, then each content chunk as soon as it is
 * complete, then the trailers and the padding. Bytes may be offered in pieces of any size.
 *
 * <p>Bounded: the unparsed bytes held never exceed {@link BhttpLimits#maxFieldSectionSize()} while reading a field
 * section, or one chunk (at most {@link BhttpLimits#maxContentSize()}) while reading content; the content as a whole
 * is limited to {@link BhttpLimits#maxContentSize()}. Held bytes are zeroed when consumed or on {@link #destroy()}.
 * Not thread-safe.
 */
public final class IndeterminateResponseReader {

    /** The head of the response. */
    public record Head(List<InformationalResponse> informational, int status, FieldSection headers) {}

    private enum State {
        HEAD,
        CONTENT,
        TRAILERS,
        PADDING,
        FAILED
    }

    private final BhttpLimits limits;
    private byte[] held = new byte[256];
    private int length;
    private State state = State.HEAD;
    private Head head;
    private FieldSection trailers = FieldSection.EMPTY;
    private long contentSeen;
    private int chunks;

    public IndeterminateResponseReader(BhttpLimits limits) {
        this.limits = Objects.requireNonNull(limits);
    }

    /**
     * Takes more bytes of the message and returns the content chunks completed by them (possibly none).
     *
     * @throws BhttpException when the bytes cannot be the continuation of a valid response, or exceed a limit
     */
    public List<byte[]> offer(byte[] bytes, int offset, int count) throws BhttpException {
        Objects.checkFromIndexSize(offset, count, bytes.length);
        if (state == State.FAILED) throw new BhttpException(Reason.MALFORMED, "BHTTP response: reader failed before");
        if (state == State.PADDING) {
            for (int i = 0; i < count; i++) {
                if (bytes[offset + i] != 0) throw fail(Reason.MALFORMED, "non-zero padding byte");
            }
            return List.of();
        }
        append(bytes, offset, count);
        List<byte[]> out = new ArrayList<>();
        try {
            while (advance(out)) {
                // keep going while progress is made
            }
        } catch (BhttpException e) {
            state = State.FAILED;
            destroy();
            throw e;
        }
        return out;
    }

    public List<byte[]> offer(byte[] bytes) throws BhttpException {
        return offer(bytes, 0, bytes.length);
    }

    /** The head, once it has been read. */
    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    /** The trailer section (empty until read). */
    public FieldSection trailers() {
        return trailers;
    }

    /**
     * The message ended: checks that it ended at a point RFC 9292 §3.8 allows (after the head, after the content
     * terminator or the trailers, or in the padding).
     */
    public void finish() throws BhttpException {
        boolean clean = switch (state) {
            case HEAD -> false;
            case CONTENT -> length == 0 && chunks == 0;
            case TRAILERS -> length == 0;
            case PADDING -> true;
            case FAILED -> false;
        };
        if (!clean) {
            state = State.FAILED;
            destroy();
            throw new BhttpException(
                    Reason.TRUNCATED,
                    "BHTTP response ended inside " + (head == null ? "its head" : "its content or trailers"));
        }
    }

    /** Zeroes every byte still held. */
    public void destroy() {
        Arrays.fill(held, (byte) 0);
        length = 0;
    }

    private boolean advance(List<byte[]> out) throws BhttpException {
        switch (state) {
            case HEAD -> {
                if (length == 0) return false;
                try {
                    BhttpDecoder.Head h =
                            BhttpDecoder.indeterminateResponseHead(ByteBuffer.wrap(held, 0, length), limits);
                    head = new Head(List.copyOf(h.informational()), h.status(), h.headers());
                    consume(h.length());
                    state = State.CONTENT;
                    return true;
                } catch (BhttpException e) {
                    if (e.reason() != Reason.TRUNCATED) throw e;
                    if (length > limits.maxFieldSectionSize() * (long) (limits.maxInformationalResponses() + 1) + 64) {
                        throw fail(Reason.LIMIT_EXCEEDED, "head exceeds its limit");
                    }
                    return false;
                }
            }
            case CONTENT -> {
                ByteBuffer in = ByteBuffer.wrap(held, 0, length);
                long chunk;
                try {
                    chunk = Varint.decode(in);
                } catch (Varint.TruncatedInputException e) {
                    return false;
                }
                if (chunk == 0) {
                    consume(in.position());
                    state = State.TRAILERS;
                    return true;
                }
                if (contentSeen + chunk > limits.maxContentSize()) {
                    throw fail(
                            Reason.LIMIT_EXCEEDED,
                            "content grows past the limit of " + limits.maxContentSize() + " bytes");
                }
                if (in.remaining() < chunk) return false;
                byte[] content = Arrays.copyOfRange(held, in.position(), in.position() + (int) chunk);
                consume(in.position() + (int) chunk);
                contentSeen += chunk;
                chunks++;
                out.add(content);
                return true;
            }
            case TRAILERS -> {
                if (length == 0) return false;
                try {
                    Map.Entry<FieldSection, Integer> t =
                            BhttpDecoder.indeterminateTrailers(ByteBuffer.wrap(held, 0, length), limits);
                    trailers = t.getKey();
                    consume(t.getValue());
                    state = State.PADDING;
                    for (int i = 0; i < length; i++) {
                        if (held[i] != 0) throw fail(Reason.MALFORMED, "non-zero padding byte");
                    }
                    destroy();
                    return false;
                } catch (BhttpException e) {
                    if (e.reason() != Reason.TRUNCATED) throw e;
                    if (length > limits.maxFieldSectionSize() + 16) {
                        throw fail(Reason.LIMIT_EXCEEDED, "trailer section exceeds its limit");
                    }
                    return false;
                }
            }
            default -> {
                return false;
            }
        }
    }

    private void append(byte[] bytes, int offset, int count) throws BhttpException {
        long needed = (long) length + count;
        long bound = Math.max(limits.maxContentSize(), limits.maxFieldSectionSize()) + 64L;
        if (needed > bound) throw fail(Reason.LIMIT_EXCEEDED, "more than " + bound + " unparsed bytes");
        if (needed > held.length) {
            byte[] bigger = Arrays.copyOf(held, (int) Math.min(bound, Math.max(needed, held.length * 2L)));
            Arrays.fill(held, (byte) 0);
            held = bigger;
        }
        System.arraycopy(bytes, offset, held, length, count);
        length += count;
    }

    private void consume(int count) {
        System.arraycopy(held, count, held, 0, length - count);
        Arrays.fill(held, length - count, length, (byte) 0);
        length -= count;
    }

    private BhttpException fail(Reason reason, String what) {
        state = State.FAILED;
        destroy();
        return new BhttpException(reason, "BHTTP response: " + what);
    }
}
