package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the TLS-presentation-language style primitives of the entry encoding (big-endian, length-prefixed). */
final class CanonicalWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    CanonicalWriter u8(int v) {
        out.write(v);
        return this;
    }

    CanonicalWriter u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    CanonicalWriter u32(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    CanonicalWriter u64(long v) {
        for (int i = 56; i >= 0; i -= 8) {
            out.write((int) (v >>> i));
        }
        return this;
    }

    CanonicalWriter fixed(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    CanonicalWriter fixed(Bytes b) {
        out.writeBytes(b.toByteArray());
        return this;
    }

    /** {@code opaque v<0..255>}. */
    CanonicalWriter opaque8(byte[] b) {
        return u8(b.length).fixed(b);
    }

    /** {@code opaque v<0..2^16-1>}. */
    CanonicalWriter opaque16(byte[] b) {
        return u16(b.length).fixed(b);
    }

    /** {@code opaque v<0..2^16-1>}. */
    CanonicalWriter opaque16(Bytes b) {
        return u16(b.length()).fixed(b);
    }

    CanonicalWriter string8(String s) {
        return opaque8(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
