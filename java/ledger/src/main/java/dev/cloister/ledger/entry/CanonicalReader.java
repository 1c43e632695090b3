package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads the entry encoding's primitives; every length is checked against the bytes left before allocating. */
final class CanonicalReader {

    private final byte[] in;
    private int pos;

    CanonicalReader(byte[] in) {
        this.in = in;
    }

    private void need(int n, String what) throws FormatException {
        if (in.length - pos < n) {
            throw new FormatException(
                    "while reading " + what + ": need " + n + " bytes, " + (in.length - pos) + " left");
        }
    }

    int u8(String what) throws FormatException {
        need(1, what);
        return in[pos++] & 0xff;
    }

    int u16(String what) throws FormatException {
        need(2, what);
        int v = ((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    int u32(String what) throws FormatException {
        need(4, what);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = v << 8 | (in[pos++] & 0xff);
        }
        return v;
    }

    long u64(String what) throws FormatException {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[pos++] & 0xff);
        }
        return v;
    }

    byte[] fixed(int n, String what) throws FormatException {
        need(n, what);
        byte[] b = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    byte[] opaque8(String what, int min) throws FormatException {
        int n = u8(what + " length");
        if (n < min) {
            throw new FormatException("while reading " + what + ": length " + n + ", want at least " + min);
        }
        return fixed(n, what);
    }

    byte[] opaque16(String what, int min) throws FormatException {
        int n = u16(what + " length");
        if (n < min) {
            throw new FormatException("while reading " + what + ": length " + n + ", want at least " + min);
        }
        return fixed(n, what);
    }

    String string8(String what) throws FormatException {
        byte[] b = opaque8(what, 1);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException("while reading " + what + ": not valid UTF-8", e);
        }
    }

    void end(String what) throws FormatException {
        if (pos != in.length) {
            throw new FormatException("while reading " + what + ": " + (in.length - pos) + " trailing bytes");
        }
    }
}
