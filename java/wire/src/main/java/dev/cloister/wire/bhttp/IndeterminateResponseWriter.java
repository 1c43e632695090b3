package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Writes an indeterminate-length response (RFC 9292 §3.2, framing indicator 3) piece by piece, for content that is
 * produced while it is sent (streamed tokens). The pieces, concatenated in the order they were made, are one message
 * that {@link BinaryResponse#decode} reads:
 *
 * <pre>{@code
 * head(informational, status, headers)   framing indicator, informational responses, status, header section
 * contentChunk(chunk) ...                Indeterminate-Length Content Chunk, one per non-empty chunk
 * end(trailers)                          Content Terminator, trailer section, padding
 * }</pre>
 *
 * <p>Calls out of that order throw {@link IllegalStateException}. Not thread-safe: one writer per response.
 */
public final class IndeterminateResponseWriter {

    private static final byte[] NOTHING = new byte[0];

    private enum State {
        NEW,
        CONTENT,
        ENDED
    }

    private State state = State.NEW;

    /** A writer for one response. */
    public IndeterminateResponseWriter() {}

    /**
     * The start of the message: framing indicator, informational responses, final status and header section.
     *
     * @throws IllegalArgumentException when the status is not a final status (200..599)
     */
    public byte[] head(List<InformationalResponse> informational, int status, FieldSection headers) {
        Objects.requireNonNull(informational, "informational");
        Objects.requireNonNull(headers, "headers");
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("final status must be 200..599: " + status);
        }
        expect(State.NEW, "head");
        long size = 1
                + BhttpEncoder.informationalLength(Framing.INDETERMINATE_LENGTH, informational)
                + Varint.encodedLength(status)
                + BhttpEncoder.fieldSectionLength(Framing.INDETERMINATE_LENGTH, headers);
        ByteBuffer out = BhttpEncoder.allocate(size);
        Varint.encode(Framing.INDETERMINATE_LENGTH.responseIndicator(), out);
        BhttpEncoder.writeInformational(Framing.INDETERMINATE_LENGTH, informational, out);
        Varint.encode(status, out);
        BhttpEncoder.writeFieldSection(Framing.INDETERMINATE_LENGTH, headers, out);
        state = State.CONTENT;
        return BhttpEncoder.finish(out);
    }

    /**
     * One content chunk: its length, then its bytes. An empty chunk gives an empty array, since a zero length would end
     * the content (RFC 9292 §3.2).
     */
    public byte[] contentChunk(byte[] chunk) {
        return contentChunk(chunk, 0, chunk.length);
    }

    /** One content chunk from {@code length} bytes of {@code chunk} at {@code offset}; see {@link #contentChunk(byte[])}. */
    public byte[] contentChunk(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        expect(State.CONTENT, "contentChunk");
        if (length == 0) {
            return NOTHING;
        }
        ByteBuffer out = BhttpEncoder.allocate(Varint.encodedLength(length) + (long) length);
        Varint.encode(length, out);
        out.put(chunk, offset, length);
        return BhttpEncoder.finish(out);
    }

    /** The end of the message: Content Terminator and trailer section, without padding. */
    public byte[] end(FieldSection trailers) {
        return end(trailers, 0);
    }

    /** The end of the message: Content Terminator, trailer section and {@code padding} zero bytes (RFC 9292 §3.8). */
    public byte[] end(FieldSection trailers, int padding) {
        Objects.requireNonNull(trailers, "trailers");
        if (padding < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + padding);
        }
        expect(State.CONTENT, "end");
        ByteBuffer out = BhttpEncoder.allocate(
                1 + BhttpEncoder.fieldSectionLength(Framing.INDETERMINATE_LENGTH, trailers) + padding);
        out.put((byte) 0);
        BhttpEncoder.writeFieldSection(Framing.INDETERMINATE_LENGTH, trailers, out);
        BhttpEncoder.writePadding(padding, out);
        state = State.ENDED;
        return BhttpEncoder.finish(out);
    }

    private void expect(State wanted, String call) {
        if (state != wanted) {
            throw new IllegalStateException(call + " called in state " + state);
        }
    }
}
