package dev.cloister.tokens.privacypass;

import java.util.Arrays;

/** A bounded reader over TLS-presentation-language bytes: every length is checked against what is left first. */
final class WireReader {
    private final byte[] data;
    private final String what;
    private int pos;

    WireReader(byte[] data, String what) {
        this.data = data;
        this.what = what;
    }

    int remaining() {
        return data.length - pos;
    }

    int u8() throws TokenFormatException {
        need(1, "uint8");
        return data[pos++] & 0xff;
    }

    int u16() throws TokenFormatException {
        need(2, "uint16");
        int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    byte[] bytes(int n, String field) throws TokenFormatException {
        need(n, field);
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** The QUIC variable-length integer of RFC 9000 §16, minimal encoding required (draft-ietf-privacypass-batched-tokens §3). */
    long varint(String field) throws TokenFormatException {
        int first = u8();
        int prefix = first >>> 6;
        int len = 1 << prefix;
        need(len - 1, field);
        long v = first & 0x3f;
        for (int i = 1; i < len; i++) {
            v = (v << 8) | (data[pos++] & 0xff);
        }
        long minForLength = switch (prefix) {
            case 0 -> 0;
            case 1 -> 64;
            case 2 -> 16384;
            default -> 1L << 30;
        };
        if (v < minForLength) {
            throw new TokenFormatException(what + ": " + field + " length is not minimally encoded");
        }
        return v;
    }

    void end() throws TokenFormatException {
        if (pos != data.length) {
            throw new TokenFormatException(what + ": " + (data.length - pos) + " trailing bytes");
        }
    }

    private void need(int n, String field) throws TokenFormatException {
        if (n < 0 || data.length - pos < n) {
            throw new TokenFormatException(
                    what + ": truncated " + field + " (need " + n + " bytes, " + (data.length - pos) + " left)");
        }
    }

    static byte[] varint(long v) {
        if (v < 64) {
            return new byte[] {(byte) v};
        }
        if (v < 16384) {
            return new byte[] {(byte) (0x40 | (v >>> 8)), (byte) v};
        }
        if (v < (1L << 30)) {
            return new byte[] {(byte) (0x80 | (v >>> 24)), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        throw new IllegalArgumentException("length too large for this encoder: " + v);
    }
}
