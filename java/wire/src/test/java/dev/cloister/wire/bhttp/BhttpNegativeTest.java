package dev.cloister.wire.bhttp;

import static dev.cloister.wire.bhttp.BhttpException.Reason.LIMIT_EXCEEDED;
import static dev.cloister.wire.bhttp.BhttpException.Reason.MALFORMED;
import static dev.cloister.wire.bhttp.BhttpException.Reason.TRUNCATED;
import static dev.cloister.wire.bhttp.BhttpTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.wire.bhttp.BhttpException.Reason;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid messages, one named case each: every one must fail with a {@link BhttpException} of the stated reason,
 * quickly (lengths are checked before allocation), and with a message that holds none of the message's bytes.
 */
class BhttpNegativeTest {

    /** Known-length request control data: GET https "" "/". */
    private static final String CONTROL = "03474554" + "056874747073" + "00" + "012f";
    /** "SECRET" in ASCII: must never show up in an exception message. */
    private static final String SECRET = "534543524554";

    private static final BhttpLimits TIGHT = new BhttpLimits(1 << 12, 16, 2, 4, 2);

    private enum Kind {
        REQUEST,
        RESPONSE
    }

    private static Arguments request(String name, String hexAfterControl, Reason reason) {
        return Arguments.of(name, Kind.REQUEST, "00" + CONTROL + hexAfterControl, BhttpLimits.DEFAULT, reason);
    }

    private static Arguments indeterminateRequest(String name, String hexAfterControl, Reason reason) {
        return Arguments.of(name, Kind.REQUEST, "02" + CONTROL + hexAfterControl, BhttpLimits.DEFAULT, reason);
    }

    private static Arguments raw(String name, Kind kind, String hex, BhttpLimits limits, Reason reason) {
        return Arguments.of(name, kind, hex, limits, reason);
    }

    static Stream<Arguments> invalidMessages() {
        String nineInformational = "4066 00 ".repeat(9);
        return Stream.of(
                // Framing indicator (RFC 9292 §3.3)
                raw("empty request", Kind.REQUEST, "", BhttpLimits.DEFAULT, TRUNCATED),
                raw("empty response", Kind.RESPONSE, "", BhttpLimits.DEFAULT, TRUNCATED),
                raw("framing indicator cut inside its integer", Kind.REQUEST, "40", BhttpLimits.DEFAULT, TRUNCATED),
                raw("unknown framing indicator 4", Kind.REQUEST, "04" + CONTROL, BhttpLimits.DEFAULT, MALFORMED),
                raw(
                        "unknown framing indicator 4 for a response",
                        Kind.RESPONSE,
                        "0440c8",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "unknown framing indicator 2^62-1",
                        Kind.REQUEST,
                        "ffffffffffffffff",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "response framing given to the request decoder",
                        Kind.REQUEST,
                        "0140c8",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "request framing given to the response decoder",
                        Kind.RESPONSE,
                        "00" + CONTROL,
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                // Request control data (RFC 9292 §3.4)
                raw("request ends after the framing indicator", Kind.REQUEST, "00", BhttpLimits.DEFAULT, TRUNCATED),
                raw(
                        "request ends inside the control data",
                        Kind.REQUEST,
                        "0003474554056874747073",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "empty method",
                        Kind.REQUEST,
                        "00" + "00" + "056874747073" + "00" + "012f",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "method with a space",
                        Kind.REQUEST,
                        "00" + "03472054" + "056874747073" + "00" + "012f",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "scheme with a non-ASCII byte",
                        Kind.REQUEST,
                        "00" + "03474554" + "0568747470e9" + "00" + "012f",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "authority with DEL",
                        Kind.REQUEST,
                        "00" + "03474554" + "056874747073" + "027f61" + "012f",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "path with a space",
                        Kind.REQUEST,
                        "00" + "03474554" + "056874747073" + "00" + "022f20",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "path with CR LF",
                        Kind.REQUEST,
                        "00" + "03474554" + "056874747073" + "00" + "032f0d0a",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw("method length beyond the input", Kind.REQUEST, "000a474554", BhttpLimits.DEFAULT, TRUNCATED),
                raw(
                        "path length 2^62-1",
                        Kind.REQUEST,
                        "00" + "03474554" + "056874747073" + "00" + "ffffffffffffffff",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "method over the field-section limit",
                        Kind.REQUEST,
                        "00" + "0e" + "47".repeat(14) + "00000000",
                        new BhttpLimits(1 << 12, 8, 2, 4, 2),
                        LIMIT_EXCEEDED),
                // Known-length field sections (RFC 9292 §3.1, §3.6)
                request("header section length beyond the input", "10" + "0161" + "0162", TRUNCATED),
                request("header section length 2^62-1", "ffffffffffffffff" + "0161", TRUNCATED),
                raw(
                        "header section over the field-section limit",
                        Kind.REQUEST,
                        "00" + CONTROL + "12" + "0161" + "0f" + "62".repeat(15),
                        TIGHT,
                        LIMIT_EXCEEDED),
                request("field line crosses the end of its section", "03" + "0161" + "03" + "626364", TRUNCATED),
                request("section ends inside a name length", "01" + "40", TRUNCATED),
                request("zero-length field name", "02" + "00" + "00", MALFORMED),
                request("uppercase field name", "04" + "0141" + "0178", MALFORMED),
                request("mixed-case field name", "0e" + "0c" + "436f6e74656e742d54797065" + "00", MALFORMED),
                request("pseudo-field :method", "0a" + "073a6d6574686f64" + "0178", MALFORMED),
                request("pseudo-field :path", "08" + "053a70617468" + "012f", MALFORMED),
                request("field name with a space", "05" + "03612062" + "00", MALFORMED),
                request("field name with a byte above 0x7f", "04" + "01e9" + "0178", MALFORMED),
                request("field name with a colon inside", "05" + "03613a62" + "00", MALFORMED),
                request("field value with CR", "0a" + "0161" + "07" + SECRET + "0d", MALFORMED),
                request("field value with LF", "0a" + "0161" + "07" + SECRET + "0a", MALFORMED),
                request("field value with CR LF inside", "0c" + "0161" + "09" + SECRET + "0d0a78", MALFORMED),
                request("field value with NUL", "0a" + "0161" + "07" + SECRET + "00", MALFORMED),
                request("field value starting with a space", "0a" + "0161" + "07" + "20" + SECRET, MALFORMED),
                request("field value ending with a tab", "0a" + "0161" + "07" + SECRET + "09", MALFORMED),
                raw(
                        "more fields than the limit",
                        Kind.REQUEST,
                        "00" + CONTROL + "0c" + "01610161".repeat(3),
                        TIGHT,
                        LIMIT_EXCEEDED),
                request("trailer section cut short", "00" + "00" + "05" + "0161", TRUNCATED),
                request("pseudo-field in the trailers", "00" + "00" + "08" + "053a70617468" + "012f", MALFORMED),
                // Known-length content (RFC 9292 §3.1)
                request("content length beyond the input", "00" + "05" + "010203", TRUNCATED),
                request("content length 2^62-1", "00" + "ffffffffffffffff", TRUNCATED),
                raw(
                        "content over the content limit",
                        Kind.REQUEST,
                        "00" + CONTROL + "00" + "05" + "0102030405",
                        TIGHT,
                        LIMIT_EXCEEDED),
                // Indeterminate-length sections and content (RFC 9292 §3.2)
                indeterminateRequest("header section without its terminator", "0161" + "0162", TRUNCATED),
                indeterminateRequest("header section ends inside a value", "0161" + "0562", TRUNCATED),
                raw(
                        "indeterminate header section over the field-section limit",
                        Kind.REQUEST,
                        "02" + CONTROL + "0161" + "0762626262626262" + "0161" + "0762626262626262" + "00",
                        TIGHT,
                        LIMIT_EXCEEDED),
                raw(
                        "indeterminate header section with more fields than the limit",
                        Kind.REQUEST,
                        "02" + CONTROL + "01610161".repeat(3) + "00",
                        TIGHT,
                        LIMIT_EXCEEDED),
                indeterminateRequest("uppercase field name, indeterminate", "0141" + "0178" + "00", MALFORMED),
                indeterminateRequest("chunk length beyond the input", "00" + "05" + "0102", TRUNCATED),
                indeterminateRequest("chunk length 2^62-1", "00" + "ffffffffffffffff", TRUNCATED),
                indeterminateRequest("content without its terminator", "00" + "02" + "0102", TRUNCATED),
                raw(
                        "indeterminate content over the content limit across chunks",
                        Kind.REQUEST,
                        "02" + CONTROL + "00" + "03010203" + "03040506" + "00" + "00",
                        TIGHT,
                        LIMIT_EXCEEDED),
                indeterminateRequest(
                        "trailer section without its terminator", "00" + "00" + "0161" + "0162", TRUNCATED),
                // Padding (RFC 9292 §3.8)
                request("non-zero padding byte", "00" + "00" + "00" + "01", MALFORMED),
                request("non-zero padding after zero padding", "00" + "00" + "00" + "0000000000ff", MALFORMED),
                indeterminateRequest("non-zero padding, indeterminate", "00" + "00" + "00" + "0000" + "80", MALFORMED),
                // Message size
                raw(
                        "message over the message-size limit",
                        Kind.REQUEST,
                        "00" + CONTROL + "00".repeat(20),
                        new BhttpLimits(16, 16, 2, 4, 2),
                        LIMIT_EXCEEDED),
                // Response control data (RFC 9292 §3.5, §3.5.1)
                raw("response ends after the framing indicator", Kind.RESPONSE, "01", BhttpLimits.DEFAULT, TRUNCATED),
                raw("status 0", Kind.RESPONSE, "0100", BhttpLimits.DEFAULT, MALFORMED),
                raw("status 99", Kind.RESPONSE, "014063", BhttpLimits.DEFAULT, MALFORMED),
                raw("status 600", Kind.RESPONSE, "014258", BhttpLimits.DEFAULT, MALFORMED),
                raw("status 2^62-1", Kind.RESPONSE, "01ffffffffffffffff", BhttpLimits.DEFAULT, MALFORMED),
                raw(
                        "informational response without a final response",
                        Kind.RESPONSE,
                        "01406600",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "informational response without its header section",
                        Kind.RESPONSE,
                        "014066",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "informational header section cut short",
                        Kind.RESPONSE,
                        "014066050161",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "informational header section without terminator",
                        Kind.RESPONSE,
                        "0340660161016240c8",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "nine informational responses, over the default limit of 8",
                        Kind.RESPONSE,
                        "01" + nineInformational + "40c8",
                        BhttpLimits.DEFAULT,
                        LIMIT_EXCEEDED),
                raw(
                        "three informational responses, over a limit of 2",
                        Kind.RESPONSE,
                        "03" + "406400".repeat(3) + "40c8",
                        TIGHT,
                        LIMIT_EXCEEDED),
                raw(
                        "final status after an informational response is out of range",
                        Kind.RESPONSE,
                        "014066" + "00" + "4258",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "response content length 2^62-1",
                        Kind.RESPONSE,
                        "0140c800ffffffffffffffff",
                        BhttpLimits.DEFAULT,
                        TRUNCATED),
                raw(
                        "response uppercase trailer name",
                        Kind.RESPONSE,
                        "0140c8" + "00" + "00" + "04" + "01540178",
                        BhttpLimits.DEFAULT,
                        MALFORMED),
                raw(
                        "response non-zero padding",
                        Kind.RESPONSE,
                        "0140c8" + "00" + "00" + "00" + "0001",
                        BhttpLimits.DEFAULT,
                        MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMessages")
    void invalidMessageIsRefused(String name, Kind kind, String hexMessage, BhttpLimits limits, Reason reason) {
        byte[] message = hex(hexMessage);
        BhttpException e = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(BhttpException.class, () -> {
                    if (kind == Kind.REQUEST) BinaryRequest.decode(message, limits);
                    else BinaryResponse.decode(message, limits);
                }));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(
                e.getMessage().startsWith("BHTTP " + kind.name().toLowerCase(java.util.Locale.ROOT)), e.getMessage());
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), "exception message leaks message bytes: " + e.getMessage());
        assertFalse(e.getMessage().contains("Content-Type"), e.getMessage());
    }

    /**
     * A 12-byte response claiming 2^62-1 bytes of content is refused without trying to allocate them: measured in
     * bytes this thread allocates (deterministic), not in time.
     */
    @Test
    void hugeLengthFailsBeforeAllocation() {
        byte[] message = hex("0140c800ffffffffffffffff");
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThrows(BhttpException.class, () -> BinaryResponse.decode(message, BhttpLimits.DEFAULT)); // warm up
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            assertThrows(BhttpException.class, () -> BinaryResponse.decode(message, BhttpLimits.DEFAULT));
        }
        long perDecode = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
        assertTrue(perDecode < 16 * 1024, "a refused decode allocated " + perDecode + " bytes");
    }

    /** A length under the input but over a limit fails with LIMIT_EXCEEDED, before the bytes are touched. */
    @Test
    void eachLimitIsEnforced() throws Exception {
        BinaryRequest request = new BinaryRequest(
                Framing.KNOWN_LENGTH,
                "POST",
                "https",
                "a",
                "/",
                FieldSection.of("a", "1", "b", "2", "c", "3"),
                new byte[100],
                FieldSection.of("t", "x"),
                0);
        byte[] bytes = request.encode();
        BinaryRequest.decode(bytes, new BhttpLimits(bytes.length, 12, 3, 100, 0));
        assertLimit(() -> BinaryRequest.decode(bytes, new BhttpLimits(bytes.length - 1, 12, 3, 100, 0)));
        assertLimit(() -> BinaryRequest.decode(bytes, new BhttpLimits(bytes.length, 11, 3, 100, 0)));
        assertLimit(() -> BinaryRequest.decode(bytes, new BhttpLimits(bytes.length, 12, 2, 100, 0)));
        assertLimit(() -> BinaryRequest.decode(bytes, new BhttpLimits(bytes.length, 12, 3, 99, 0)));
        byte[] indeterminate = request.withFraming(Framing.INDETERMINATE_LENGTH).encode();
        BinaryRequest.decode(indeterminate, new BhttpLimits(indeterminate.length, 12, 3, 100, 0));
        assertLimit(() -> BinaryRequest.decode(indeterminate, new BhttpLimits(indeterminate.length, 11, 3, 100, 0)));
        assertLimit(() -> BinaryRequest.decode(indeterminate, new BhttpLimits(indeterminate.length, 12, 2, 100, 0)));
        assertLimit(() -> BinaryRequest.decode(indeterminate, new BhttpLimits(indeterminate.length, 12, 3, 99, 0)));
        BinaryResponse response = new BinaryResponse(
                Framing.KNOWN_LENGTH,
                List.of(
                        new InformationalResponse(100, FieldSection.EMPTY),
                        new InformationalResponse(103, FieldSection.of("link", "</a>"))),
                200,
                FieldSection.EMPTY,
                new byte[0],
                FieldSection.EMPTY,
                0);
        BinaryResponse.decode(response.encode(), new BhttpLimits(100, 100, 100, 100, 2));
        assertLimit(() -> BinaryResponse.decode(response.encode(), new BhttpLimits(100, 100, 100, 100, 1)));
    }

    private static void assertLimit(org.junit.jupiter.api.function.Executable decode) {
        assertEquals(LIMIT_EXCEEDED, assertThrows(BhttpException.class, decode).reason());
    }

    @Test
    void invalidValuesCannotBeBuilt() {
        assertThrows(IllegalArgumentException.class, () -> new Field("Host", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Field("", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Field(":path", "/"));
        assertThrows(IllegalArgumentException.class, () -> new Field("a b", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Field("x", "a\r\nb"));
        assertThrows(IllegalArgumentException.class, () -> new Field("x", "a\u0000b"));
        assertThrows(IllegalArgumentException.class, () -> new Field("x", " lead"));
        assertThrows(IllegalArgumentException.class, () -> new Field("x", "trail\t"));
        assertThrows(IllegalArgumentException.class, () -> new Field("x", "\u20ac"));
        assertThrows(IllegalArgumentException.class, () -> FieldSection.of("a"));
        assertThrows(IllegalArgumentException.class, () -> new InformationalResponse(99, FieldSection.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new InformationalResponse(200, FieldSection.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> BinaryResponse.of(101, FieldSection.EMPTY, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> BinaryResponse.of(600, FieldSection.EMPTY, new byte[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> BinaryRequest.of("G T", "https", "", "/", FieldSection.EMPTY, new byte[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> BinaryRequest.of("GET", "https", "", "/a b", FieldSection.EMPTY, new byte[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> BinaryRequest.of("GET", "https", "", "/", FieldSection.EMPTY, new byte[0])
                        .withPadding(-1));
        assertThrows(IllegalArgumentException.class, () -> new BhttpLimits(0, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BhttpLimits(1, -1, 1, 1, 1));
    }

    @Test
    void streamingWriterEnforcesItsOrder() {
        IndeterminateResponseWriter writer = new IndeterminateResponseWriter();
        assertThrows(IllegalStateException.class, () -> writer.contentChunk(new byte[] {1}));
        assertThrows(IllegalStateException.class, () -> writer.end(FieldSection.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> writer.head(List.of(), 100, FieldSection.EMPTY));
        writer.head(List.of(), 200, FieldSection.EMPTY);
        assertThrows(IllegalStateException.class, () -> writer.head(List.of(), 200, FieldSection.EMPTY));
        assertEquals(0, writer.contentChunk(new byte[0]).length);
        writer.end(FieldSection.EMPTY);
        assertThrows(IllegalStateException.class, () -> writer.contentChunk(new byte[] {1}));
    }

    /** Content, field values, authority and path are private: toString shows sizes only. */
    @Test
    void toStringShowsNoPrivateData() {
        byte[] content = BhttpTestSupport.latin1("SECRET content");
        FieldSection fields = FieldSection.of("x-note", "SECRET value");
        BinaryRequest request = new BinaryRequest(
                Framing.KNOWN_LENGTH, "POST", "https", "SECRET.example", "/SECRET", fields, content, fields, 3);
        BinaryResponse response = new BinaryResponse(
                Framing.INDETERMINATE_LENGTH,
                List.of(new InformationalResponse(103, fields)),
                200,
                fields,
                content,
                fields,
                0);
        for (String s : List.of(
                request.toString(),
                response.toString(),
                fields.toString(),
                fields.fields().get(0).toString(),
                response.informational().get(0).toString())) {
            assertFalse(s.contains("SECRET"), s);
        }
        assertTrue(request.toString().contains("content 14 bytes"), request.toString());
    }
}
