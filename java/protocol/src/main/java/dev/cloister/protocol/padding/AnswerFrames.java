package dev.cloister.protocol.padding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A streamed answer in frames of one fixed size (issue 15, item 1): the enclave writes one frame per tick of its
 * cadence, each sealed as one TLS record, so the relay and the gateway see records of one size at one rhythm
 * whatever the answer says. Inside a frame, like TLS 1.3's {@code TLSInnerPlaintext} (RFC 8446 §5.2), the answer's
 * bytes come first and zero padding fills the rest:
 *
 * <pre>
 * struct {
 *     uint16 data_length;
 *     uint16 padding_length;
 *     opaque data[data_length];      // the next bytes of the Binary HTTP answer
 *     uint8  zeros[padding_length];  // all zero
 * } AnswerFrame;                     // 4 + data_length + padding_length = the frame size
 * </pre>
 *
 * The concatenated {@code data} is the answer's Binary HTTP message (RFC 9292). A frame with no data is pure padding:
 * the enclave sends those while it waits for tokens and, after the answer's end, until the frame count reaches a size
 * bucket. Padding bytes must be zero, as RFC 8446 §5.4 and RFC 9292 §3.8 require of theirs; the reader refuses a frame
 * whose padding is not.
 */
public final class AnswerFrames {

    /** The length fields in front of a frame's data. */
    public static final int HEADER_BYTES = 4;
    /** The smallest frame. */
    public static final int MIN_FRAME = 64;
    /** The largest frame: one TLS record's plaintext (RFC 8446 §5.1). */
    public static final int MAX_FRAME = 1 << 14;

    private AnswerFrames() {}

    /** Checks a frame size: from {@value #MIN_FRAME} to {@value #MAX_FRAME} bytes. */
    public static int checkFrameSize(int frameSize) {
        if (frameSize < MIN_FRAME || frameSize > MAX_FRAME) {
            throw new IllegalArgumentException(
                    "a frame holds " + MIN_FRAME + " to " + MAX_FRAME + " bytes, not " + frameSize);
        }
        return frameSize;
    }

    /** The most answer bytes one frame of {@code frameSize} carries. */
    public static int capacity(int frameSize) {
        return checkFrameSize(frameSize) - HEADER_BYTES;
    }

    /** One frame of {@code frameSize} bytes carrying {@code data[offset, offset + length)}. */
    public static byte[] frame(byte[] data, int offset, int length, int frameSize) {
        if (length < 0 || length > capacity(frameSize)) {
            throw new IllegalArgumentException("a frame of " + frameSize + " bytes cannot carry " + length);
        }
        byte[] frame = new byte[frameSize];
        int padding = frameSize - HEADER_BYTES - length;
        frame[0] = (byte) (length >>> 8);
        frame[1] = (byte) length;
        frame[2] = (byte) (padding >>> 8);
        frame[3] = (byte) padding;
        System.arraycopy(data, offset, frame, HEADER_BYTES, length);
        return frame;
    }

    /** A frame is not well formed: too large, or padding that is not zero. */
    public static final class MalformedFrameException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedFrameException(String reason) {
            super("answer frame: " + reason);
        }
    }

    /**
     * Reads frames from the decrypted bytes of the session as they arrive (in pieces of any size) and returns their
     * data. Holds at most one frame ({@value #MAX_FRAME} bytes), zeroed once read. Not thread-safe.
     */
    public static final class Reader {
        private final byte[] held = new byte[MAX_FRAME];
        private int length;
        private boolean failed;
        private long frames;

        /** The data of the frames that {@code bytes} completes (possibly none). */
        public List<byte[]> offer(byte[] bytes) throws MalformedFrameException {
            if (failed) throw new MalformedFrameException("the reader failed before");
            List<byte[]> data = new ArrayList<>();
            int at = 0;
            while (at < bytes.length) {
                int need = length < HEADER_BYTES ? HEADER_BYTES : frameLength();
                int take = Math.min(need - length, bytes.length - at);
                System.arraycopy(bytes, at, held, length, take);
                length += take;
                at += take;
                if (length == HEADER_BYTES && frameLength() > MAX_FRAME) {
                    throw fail("a frame of " + frameLength() + " bytes exceeds " + MAX_FRAME);
                }
                if (length >= HEADER_BYTES && length == frameLength()) {
                    int dataLength = dataLength();
                    for (int i = HEADER_BYTES + dataLength; i < length; i++) {
                        if (held[i] != 0) throw fail("non-zero padding byte");
                    }
                    data.add(Arrays.copyOfRange(held, HEADER_BYTES, HEADER_BYTES + dataLength));
                    Arrays.fill(held, 0, length, (byte) 0);
                    length = 0;
                    frames++;
                }
            }
            return data;
        }

        /** Whether every byte offered so far was part of a complete frame. */
        public boolean atFrameBoundary() {
            return length == 0 && !failed;
        }

        /** The frames read so far. */
        public long frames() {
            return frames;
        }

        /** Zeroes what is held. */
        public void destroy() {
            Arrays.fill(held, (byte) 0);
            length = 0;
        }

        private int dataLength() {
            return ((held[0] & 0xff) << 8) | (held[1] & 0xff);
        }

        private int frameLength() {
            return HEADER_BYTES + dataLength() + (((held[2] & 0xff) << 8) | (held[3] & 0xff));
        }

        private MalformedFrameException fail(String reason) {
            failed = true;
            destroy();
            return new MalformedFrameException(reason);
        }
    }
}
