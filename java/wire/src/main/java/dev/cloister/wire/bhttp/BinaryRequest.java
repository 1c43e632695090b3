package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import dev.cloister.wire.bhttp.BhttpEncoder.Layout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Binary HTTP request (RFC 9292 §3.1 and §3.2) with its request control data (§3.4).
 *
 * <p>The content array is not copied, neither here nor by {@link #content()}: the record takes ownership of the array
 * it is given, and callers must treat what {@code content()} returns as read-only. This lets the gateway decode
 * without a second copy and lets the enclave zero the one copy when a session ends. Strings hold one ISO-8859-1
 * character per byte.
 *
 * <p>{@link #toString()} shows the method, the scheme and sizes; never the authority, path, field values or content.
 *
 * @param framing   known- or indeterminate-length (RFC 9292 §3.3)
 * @param method    the {@code :method}: a token (RFC 9110 §5.6.2)
 * @param scheme    the {@code :scheme}: visible ASCII, may be empty
 * @param authority the {@code :authority}: visible ASCII, empty when absent (RFC 9292 §3.4)
 * @param path      the {@code :path}: visible ASCII, may be empty
 * @param headers   the header section
 * @param content   the content, possibly empty; owned by the record
 * @param trailers  the trailer section
 * @param padding   the number of zero bytes after the message (RFC 9292 §3.8)
 */
public record BinaryRequest(
        Framing framing,
        String method,
        String scheme,
        String authority,
        String path,
        FieldSection headers,
        // byte[], not Bytes: decoded in place on the request path, and the enclave zeroes this plaintext after use
        byte[] content,
        FieldSection trailers,
        int padding) {

    /** Validates the control data (RFC 9292 §3.4, RFC 9113 §8.3.1) and the padding. */
    public BinaryRequest {
        Objects.requireNonNull(framing, "framing");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(trailers, "trailers");
        if (!HttpSyntax.isToken(method)) {
            throw new IllegalArgumentException("method is not a token (RFC 9110 §5.6.2)");
        }
        if (!HttpSyntax.isVisibleAscii(scheme)) {
            throw new IllegalArgumentException("scheme has a character outside visible ASCII");
        }
        if (!HttpSyntax.isVisibleAscii(authority)) {
            throw new IllegalArgumentException("authority has a character outside visible ASCII");
        }
        if (!HttpSyntax.isVisibleAscii(path)) {
            throw new IllegalArgumentException("path has a character outside visible ASCII");
        }
        if (padding < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + padding);
        }
    }

    /** A known-length request without trailers or padding. */
    public static BinaryRequest of(
            String method, String scheme, String authority, String path, FieldSection headers, byte[] content) {
        return new BinaryRequest(
                Framing.KNOWN_LENGTH, method, scheme, authority, path, headers, content, FieldSection.EMPTY, 0);
    }

    /** Decodes a request with {@link BhttpLimits#DEFAULT}. */
    public static BinaryRequest decode(byte[] message) throws BhttpException {
        return decode(message, BhttpLimits.DEFAULT);
    }

    /**
     * Decodes a whole {@code message/bhttp} request (framing indicator 0 or 2), accepting the truncations of RFC 9292
     * §3.8 and zero padding.
     *
     * @throws BhttpException when the message is invalid (RFC 9292 §4) or exceeds {@code limits}
     */
    public static BinaryRequest decode(byte[] message, BhttpLimits limits) throws BhttpException {
        return BhttpDecoder.decodeRequest(ByteBuffer.wrap(message), Objects.requireNonNull(limits, "limits"));
    }

    /**
     * Decodes the request between the buffer's position and limit; the buffer itself is not moved. A heap buffer is
     * read in place; a direct or read-only one is copied once.
     */
    public static BinaryRequest decode(ByteBuffer message, BhttpLimits limits) throws BhttpException {
        return BhttpDecoder.decodeRequest(message, Objects.requireNonNull(limits, "limits"));
    }

    /** A copy with other framing. */
    public BinaryRequest withFraming(Framing framing) {
        return new BinaryRequest(framing, method, scheme, authority, path, headers, content, trailers, padding);
    }

    /** A copy with these trailers. */
    public BinaryRequest withTrailers(FieldSection trailers) {
        return new BinaryRequest(framing, method, scheme, authority, path, headers, content, trailers, padding);
    }

    /** A copy with this many bytes of zero padding. */
    public BinaryRequest withPadding(int padding) {
        return new BinaryRequest(framing, method, scheme, authority, path, headers, content, trailers, padding);
    }

    /** Encodes every section, empty ones included, then the padding. */
    public byte[] encode() {
        return encode(Layout.FULL);
    }

    /**
     * Encodes the request with its empty trailing sections left off (RFC 9292 §3.8), then the padding. A decoder
     * reads the first padding bytes as those empty sections, so it reports up to 3 fewer padding bytes.
     */
    public byte[] encodeTruncated() {
        return encode(Layout.TRUNCATED);
    }

    private byte[] encode(Layout layout) {
        int kept = BhttpEncoder.sectionsKept(layout, headers, content, trailers);
        long size = 1
                + BhttpEncoder.stringLength(method)
                + BhttpEncoder.stringLength(scheme)
                + BhttpEncoder.stringLength(authority)
                + BhttpEncoder.stringLength(path)
                + BhttpEncoder.sectionsLength(framing, kept, headers, content, trailers)
                + padding;
        ByteBuffer out = BhttpEncoder.allocate(size);
        Varint.encode(framing.requestIndicator(), out);
        BhttpEncoder.writeString(method, out);
        BhttpEncoder.writeString(scheme, out);
        BhttpEncoder.writeString(authority, out);
        BhttpEncoder.writeString(path, out);
        BhttpEncoder.writeSections(framing, kept, headers, content, trailers, out);
        BhttpEncoder.writePadding(padding, out);
        return BhttpEncoder.finish(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryRequest r
                && framing == r.framing
                && padding == r.padding
                && method.equals(r.method)
                && scheme.equals(r.scheme)
                && authority.equals(r.authority)
                && path.equals(r.path)
                && headers.equals(r.headers)
                && trailers.equals(r.trailers)
                && Arrays.equals(content, r.content);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(framing, method, scheme, authority, path, headers, trailers, padding);
        return 31 * h + Arrays.hashCode(content);
    }

    /** Method, scheme and sizes only: the authority, path, field values and content stay private. */
    @Override
    public String toString() {
        return "BinaryRequest[" + framing + ", " + method + ", scheme " + scheme
                + ", authority " + authority.length() + " bytes, path " + path.length() + " bytes, "
                + headers.size() + " headers, content " + content.length + " bytes, "
                + trailers.size() + " trailers, padding " + padding + "]";
    }
}
