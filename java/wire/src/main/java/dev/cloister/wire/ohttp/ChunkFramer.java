package dev.cloister.wire.ohttp;

import dev.cloister.wire.Varint;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits a chunked OHTTP byte stream into its parts as bytes arrive (draft-ietf-ohai-chunked-ohttp §3): a fixed-size
 * header, then non-final chunks {@code Length (i) = 1.., AEAD-Protected Chunk}, then the final chunk {@code Length (i)
 * = 0, AEAD-Protected Chunk} that runs to the end of the stream.
 *
 * <p>Every length is checked against the limits before bytes are buffered. Buffered ciphertext is zeroed when it is
 * consumed.
 */
final class ChunkFramer {

    private final OhttpLimits limits;
    private byte[] buffer = new byte[256];
    private int start;
    private int end;
    private long total;
    private boolean finalSeen;
    private boolean ended;

    ChunkFramer(OhttpLimits limits) {
        this.limits = limits;
    }

    /** Appends bytes from the stream. */
    void append(byte[] data, int offset, int length) throws OhttpException {
        if (ended) {
            throw new IllegalStateException("stream already ended");
        }
        total += length;
        if (total > limits.maxMessageLength()) {
            throw new OhttpException(
                    OhttpException.Reason.TOO_LARGE, "chunked message exceeds " + limits.maxMessageLength() + " bytes");
        }
        if (finalSeen && end - start + length > limits.maxChunkLength()) {
            throw new OhttpException(
                    OhttpException.Reason.TOO_LARGE, "final chunk exceeds " + limits.maxChunkLength() + " bytes");
        }
        if (buffer.length - end < length) {
            compact(length);
        }
        System.arraycopy(data, offset, buffer, end, length);
        end += length;
    }

    /** Takes the next {@code n} bytes (the header), or null if they have not all arrived. */
    byte[] take(int n) {
        if (end - start < n) return null;
        byte[] out = Arrays.copyOfRange(buffer, start, start + n);
        consume(n);
        return out;
    }

    /**
     * The ciphertext of the next complete non-final chunk, or null when it has not fully arrived or when the final
     * chunk's marker was reached (see {@link #finalSeen()}).
     */
    byte[] nextNonFinal() throws OhttpException {
        if (finalSeen) return null;
        ByteBuffer view = ByteBuffer.wrap(buffer, start, end - start);
        long length;
        try {
            length = Varint.decode(view);
        } catch (Varint.TruncatedInputException e) {
            return null;
        }
        int prefix = view.position() - start;
        if (length == 0) {
            consume(prefix);
            finalSeen = true;
            return null;
        }
        if (length > limits.maxChunkLength()) {
            throw new OhttpException(
                    OhttpException.Reason.TOO_LARGE,
                    "chunk of " + length + " bytes exceeds " + limits.maxChunkLength());
        }
        if (end - start - prefix < length) return null;
        byte[] chunk = Arrays.copyOfRange(buffer, start + prefix, start + prefix + (int) length);
        consume(prefix + (int) length);
        return chunk;
    }

    boolean finalSeen() {
        return finalSeen;
    }

    /** At the end of the stream: the final chunk's ciphertext. A stream without a final chunk is truncated. */
    byte[] endOfStream() throws OhttpException {
        ended = true;
        if (!finalSeen) {
            // Drain complete non-final chunks first is the caller's job; anything left here is an unfinished stream.
            throw new OhttpException(OhttpException.Reason.TRUNCATED, "chunked message ended without its final chunk");
        }
        if (end - start > limits.maxChunkLength()) {
            throw new OhttpException(OhttpException.Reason.TOO_LARGE, "final chunk exceeds " + limits.maxChunkLength());
        }
        byte[] last = Arrays.copyOfRange(buffer, start, end);
        consume(end - start);
        return last;
    }

    /** Zeroes the buffer. */
    void destroy() {
        Arrays.fill(buffer, (byte) 0);
        start = end = 0;
    }

    private void consume(int n) {
        Arrays.fill(buffer, start, start + n, (byte) 0);
        start += n;
        if (start == end) {
            start = end = 0;
        }
    }

    private void compact(int incoming) {
        int pending = end - start;
        int needed = pending + incoming;
        byte[] target = needed > buffer.length
                ? new byte[(int) Math.min(Math.max(needed, 2L * buffer.length), limits.maxMessageLength() + 16)]
                : buffer;
        System.arraycopy(buffer, start, target, 0, pending);
        if (target != buffer) {
            Arrays.fill(buffer, (byte) 0);
        } else {
            Arrays.fill(buffer, pending, buffer.length, (byte) 0);
        }
        buffer = target;
        start = 0;
        end = pending;
    }
}
