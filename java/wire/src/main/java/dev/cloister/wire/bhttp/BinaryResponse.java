package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import dev.cloister.wire.bhttp.BhttpEncoder.Layout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Binary HTTP response (RFC 9292 §3.1 and §3.2): informational responses (§3.5.1), the final response control data
 * (§3.5), header section, content, trailer section and padding.
 *
 * <p>The content array is not copied, neither here nor by {@link #content()}: the record takes ownership of the array
 * it is given, and callers must treat what {@code content()} returns as read-only (see {@link BinaryRequest}).
 *
 * <p>{@link #toString()} shows statuses and sizes; never field values or content.
 *
 * @param framing       known- or indeterminate-length (RFC 9292 §3.3)
 * @param informational the informational responses, in order; copied into an unmodifiable list
 * @param status        the final status code, 200..599
 * @param headers       the header section
 * @param content       the content, possibly empty; owned by the record
 * @param trailers      the trailer section
 * @param padding       the number of zero bytes after the message (RFC 9292 §3.8)
 */
public record BinaryResponse(
        Framing framing,
        List<InformationalResponse> informational,
        int status,
        FieldSection headers,
        // byte[], not Bytes: decoded in place on the request path, and the enclave zeroes this plaintext after use
        byte[] content,
        FieldSection trailers,
        int padding) {

    /** Validates the final status (RFC 9292 §3.5) and the padding. */
    public BinaryResponse {
        Objects.requireNonNull(framing, "framing");
        informational = List.copyOf(informational);
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("final status must be 200..599: " + status);
        }
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(trailers, "trailers");
        if (padding < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + padding);
        }
    }

    /** A known-length response without informational responses, trailers or padding. */
    public static BinaryResponse of(int status, FieldSection headers, byte[] content) {
        return new BinaryResponse(Framing.KNOWN_LENGTH, List.of(), status, headers, content, FieldSection.EMPTY, 0);
    }

    /** Decodes a response with {@link BhttpLimits#DEFAULT}. */
    public static BinaryResponse decode(byte[] message) throws BhttpException {
        return decode(message, BhttpLimits.DEFAULT);
    }

    /**
     * Decodes a whole {@code message/bhttp} response (framing indicator 1 or 3), accepting the truncations of RFC 9292
     * §3.8 and zero padding.
     *
     * @throws BhttpException when the message is invalid (RFC 9292 §4) or exceeds {@code limits}
     */
    public static BinaryResponse decode(byte[] message, BhttpLimits limits) throws BhttpException {
        return BhttpDecoder.decodeResponse(ByteBuffer.wrap(message), Objects.requireNonNull(limits, "limits"));
    }

    /**
     * Decodes the response between the buffer's position and limit; the buffer itself is not moved. A heap buffer is
     * read in place; a direct or read-only one is copied once.
     */
    public static BinaryResponse decode(ByteBuffer message, BhttpLimits limits) throws BhttpException {
        return BhttpDecoder.decodeResponse(message, Objects.requireNonNull(limits, "limits"));
    }

    /** A copy with other framing. */
    public BinaryResponse withFraming(Framing framing) {
        return new BinaryResponse(framing, informational, status, headers, content, trailers, padding);
    }

    /** A copy with these informational responses. */
    public BinaryResponse withInformational(List<InformationalResponse> informational) {
        return new BinaryResponse(framing, informational, status, headers, content, trailers, padding);
    }

    /** A copy with these trailers. */
    public BinaryResponse withTrailers(FieldSection trailers) {
        return new BinaryResponse(framing, informational, status, headers, content, trailers, padding);
    }

    /** A copy with this many bytes of zero padding. */
    public BinaryResponse withPadding(int padding) {
        return new BinaryResponse(framing, informational, status, headers, content, trailers, padding);
    }

    /** Encodes every section, empty ones included, then the padding. */
    public byte[] encode() {
        return encode(Layout.FULL);
    }

    /**
     * Encodes the response with its empty trailing sections left off (RFC 9292 §3.8), then the padding. A decoder
     * reads the first padding bytes as those empty sections, so it reports up to 3 fewer padding bytes.
     */
    public byte[] encodeTruncated() {
        return encode(Layout.TRUNCATED);
    }

    private byte[] encode(Layout layout) {
        int kept = BhttpEncoder.sectionsKept(layout, headers, content, trailers);
        long size = 1
                + BhttpEncoder.informationalLength(framing, informational)
                + Varint.encodedLength(status)
                + BhttpEncoder.sectionsLength(framing, kept, headers, content, trailers)
                + padding;
        ByteBuffer out = BhttpEncoder.allocate(size);
        Varint.encode(framing.responseIndicator(), out);
        BhttpEncoder.writeInformational(framing, informational, out);
        Varint.encode(status, out);
        BhttpEncoder.writeSections(framing, kept, headers, content, trailers, out);
        BhttpEncoder.writePadding(padding, out);
        return BhttpEncoder.finish(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryResponse r
                && framing == r.framing
                && status == r.status
                && padding == r.padding
                && informational.equals(r.informational)
                && headers.equals(r.headers)
                && trailers.equals(r.trailers)
                && Arrays.equals(content, r.content);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(framing, informational, status, headers, trailers, padding);
        return 31 * h + Arrays.hashCode(content);
    }

    /** Statuses and sizes only: field values and content stay private. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("BinaryResponse[").append(framing);
        for (InformationalResponse response : informational) {
            s.append(", ").append(response.status());
        }
        return s.append(", ")
                .append(status)
                .append(", ")
                .append(headers.size())
                .append(" headers, content ")
                .append(content.length)
                .append(" bytes, ")
                .append(trailers.size())
                .append(" trailers, padding ")
                .append(padding)
                .append(']')
                .toString();
    }
}
