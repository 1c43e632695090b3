package dev.cloister.wire;

import java.nio.ByteBuffer;

/**
 * Variable-length integers as RFC 9000 §16 defines them, used by Binary HTTP (RFC 9292 §3) and chunked
 * Oblivious HTTP (draft-ietf-ohai-chunked-ohttp §3). The two most significant bits of the first byte give the
 * length: 1, 2, 4 or 8 bytes, for values up to 2^6-1, 2^14-1, 2^30-1 and 2^62-1.
 *
 * <p>Decoding is strict where RFC 9292 allows it to be lenient: {@link #decode} accepts any encoding length (the RFC
 * permits non-minimal encodings), and callers that need canonical input check {@link #encodedLength} themselves.
 */
public final class Varint {

    /** The largest value a variable-length integer can hold, 2^62 - 1. */
    public static final long MAX_VALUE = (1L << 62) - 1;

    private Varint() {}

    /** Number of bytes the shortest encoding of {@code value} takes. */
    public static int encodedLength(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("varint out of range: " + value);
        }
        if (value < (1L << 6)) return 1;
        if (value < (1L << 14)) return 2;
        if (value < (1L << 30)) return 4;
        return 8;
    }

    /** Number of bytes the encoding that starts with {@code firstByte} takes. */
    public static int lengthFromFirstByte(byte firstByte) {
        return 1 << ((firstByte & 0xff) >>> 6);
    }

    /** Writes the shortest encoding of {@code value} at the buffer's position. */
    public static void encode(long value, ByteBuffer out) {
        switch (encodedLength(value)) {
            case 1 -> out.put((byte) value);
            case 2 -> out.putShort((short) (value | 0x4000));
            case 4 -> out.putInt((int) (value | 0x8000_0000L));
            default -> out.putLong(value | 0xC000_0000_0000_0000L);
        }
    }

    /** The shortest encoding of {@code value} as a new array. */
    public static byte[] encode(long value) {
        ByteBuffer out = ByteBuffer.allocate(encodedLength(value));
        encode(value, out);
        return out.array();
    }

    /**
     * Reads one variable-length integer at the buffer's position.
     *
     * @throws TruncatedInputException when the buffer ends inside the integer; the position is then unchanged
     */
    public static long decode(ByteBuffer in) throws TruncatedInputException {
        if (!in.hasRemaining()) {
            throw new TruncatedInputException("varint: no bytes left");
        }
        int length = lengthFromFirstByte(in.get(in.position()));
        if (in.remaining() < length) {
            throw new TruncatedInputException("varint: needs " + length + " bytes, " + in.remaining() + " left");
        }
        return switch (length) {
            case 1 -> in.get() & 0x3f;
            case 2 -> in.getShort() & 0x3fff;
            case 4 -> in.getInt() & 0x3fff_ffffL;
            default -> in.getLong() & MAX_VALUE;
        };
    }

    /**
     * Thrown when input ends before a complete value; streaming decoders wait for more bytes. It is the ordinary
     * outcome of a read that ran ahead of the network (several per streamed answer), not an error, so it carries no
     * stack trace: filling one in costs more than decoding the whole chunk.
     */
    public static final class TruncatedInputException extends Exception {
        public TruncatedInputException(String message) {
            super(message, null, false, false);
        }
    }
}
