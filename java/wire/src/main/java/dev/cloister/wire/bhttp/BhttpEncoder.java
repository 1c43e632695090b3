package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes the sections of RFC 9292 §3 into one array whose size is computed first: each section has a
 * {@code ...Length} method that counts its bytes and a {@code write...} method that writes exactly that many.
 * Integers use the shortest encoding (RFC 9000 §16).
 */
final class BhttpEncoder {

    /** Whether empty trailing sections are written out or left off (RFC 9292 §3.8). */
    enum Layout {
        /** Every section is present, empty ones as a zero length or terminator. */
        FULL,
        /** Empty sections at the end of the message are omitted; decoders read them as empty. */
        TRUNCATED
    }

    /** The sections after the control data that a message of this shape carries, 0 to 3 (RFC 9292 §3.8). */
    static int sectionsKept(Layout layout, FieldSection headers, byte[] content, FieldSection trailers) {
        if (layout == Layout.FULL || !trailers.isEmpty()) return 3;
        if (content.length > 0) return 2;
        return headers.isEmpty() ? 0 : 1;
    }

    private BhttpEncoder() {}

    static long stringLength(String s) {
        return Varint.encodedLength(s.length()) + (long) s.length();
    }

    static long fieldSectionLength(Framing framing, FieldSection section) {
        long lines = section.encodedLength();
        return framing == Framing.KNOWN_LENGTH ? Varint.encodedLength(lines) + lines : lines + 1;
    }

    static long contentLength(Framing framing, byte[] content) {
        long n = content.length;
        if (framing == Framing.KNOWN_LENGTH) return Varint.encodedLength(n) + n;
        return n == 0 ? 1 : Varint.encodedLength(n) + n + 1;
    }

    static long sectionsLength(Framing framing, int kept, FieldSection headers, byte[] content, FieldSection trailers) {
        long size = 0;
        if (kept >= 1) size += fieldSectionLength(framing, headers);
        if (kept >= 2) size += contentLength(framing, content);
        if (kept >= 3) size += fieldSectionLength(framing, trailers);
        return size;
    }

    static long informationalLength(Framing framing, List<InformationalResponse> informational) {
        long size = 0;
        for (InformationalResponse response : informational) {
            size += Varint.encodedLength(response.status()) + fieldSectionLength(framing, response.headers());
        }
        return size;
    }

    /** A buffer over a new array of exactly {@code size} bytes. */
    static ByteBuffer allocate(long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("BHTTP message of " + size + " bytes is too large for one array");
        }
        return ByteBuffer.allocate((int) size);
    }

    /** The whole array, after checking that the computed size was written exactly. */
    static byte[] finish(ByteBuffer out) {
        if (out.hasRemaining()) {
            throw new IllegalStateException("BHTTP encoder wrote " + out.position() + " of " + out.capacity());
        }
        return out.array();
    }

    /** A length-prefixed string of one byte per character (ISO-8859-1); the caller has validated it. */
    static void writeString(String s, ByteBuffer out) {
        int n = s.length();
        Varint.encode(n, out);
        byte[] array = out.array();
        int pos = out.arrayOffset() + out.position();
        for (int i = 0; i < n; i++) {
            array[pos + i] = (byte) s.charAt(i);
        }
        out.position(out.position() + n);
    }

    static void writeFieldSection(Framing framing, FieldSection section, ByteBuffer out) {
        if (framing == Framing.KNOWN_LENGTH) {
            Varint.encode(section.encodedLength(), out);
        }
        for (Field field : section.fields()) {
            writeString(field.name(), out);
            writeString(field.value(), out);
        }
        if (framing == Framing.INDETERMINATE_LENGTH) {
            out.put((byte) 0);
        }
    }

    static void writeContent(Framing framing, byte[] content, ByteBuffer out) {
        if (framing == Framing.KNOWN_LENGTH) {
            Varint.encode(content.length, out);
            out.put(content);
            return;
        }
        if (content.length > 0) {
            Varint.encode(content.length, out);
            out.put(content);
        }
        out.put((byte) 0);
    }

    static void writeSections(
            Framing framing, int kept, FieldSection headers, byte[] content, FieldSection trailers, ByteBuffer out) {
        if (kept >= 1) writeFieldSection(framing, headers, out);
        if (kept >= 2) writeContent(framing, content, out);
        if (kept >= 3) writeFieldSection(framing, trailers, out);
    }

    static void writeInformational(Framing framing, List<InformationalResponse> informational, ByteBuffer out) {
        for (InformationalResponse response : informational) {
            Varint.encode(response.status(), out);
            writeFieldSection(framing, response.headers(), out);
        }
    }

    /** Padding: the array is already zero, so only the position moves (RFC 9292 §3.8). */
    static void writePadding(int padding, ByteBuffer out) {
        out.position(out.position() + padding);
    }
}
