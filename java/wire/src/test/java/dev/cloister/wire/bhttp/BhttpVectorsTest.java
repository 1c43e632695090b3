package dev.cloister.wire.bhttp;

import static dev.cloister.wire.bhttp.BhttpTestSupport.jsonHex;
import static dev.cloister.wire.bhttp.BhttpTestSupport.latin1;
import static dev.cloister.wire.bhttp.BhttpTestSupport.readVector;
import static dev.cloister.wire.bhttp.BhttpTestSupport.vectorDir;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The examples of RFC 9292 §5 (plus ohttp-rs's indeterminate chunked response and the RFC 9458 Appendix A messages),
 * read from {@code testdata/vectors/bhttp-rfc9292}. Each one is decoded and checked field by field against the RFC
 * text, re-encoded where the encoding is canonical, and cut at every byte: only the cuts that RFC 9292 §3.8 allows
 * decode, and they decode to the same message with the cut sections empty.
 */
class BhttpVectorsTest {

    // RFC 9292 §5, Figure "Sample HTTP Request" (ex-request.http).
    private static final FieldSection REQUEST_HEADERS = FieldSection.of(
            "user-agent", "curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3",
            "host", "www.example.com",
            "accept-language", "en, mi");

    // RFC 9292 §5, Figure "Sample HTTP Response" (ex-response.http); reason phrases are not encoded.
    private static final List<InformationalResponse> RESPONSE_INFORMATIONAL = List.of(
            new InformationalResponse(102, FieldSection.of("running", "\"sleep 15\"")),
            new InformationalResponse(
                    103,
                    FieldSection.of(
                            "link", "</style.css>; rel=preload; as=style",
                            "link", "</script.js>; rel=preload; as=script")));
    private static final FieldSection RESPONSE_HEADERS = FieldSection.of(
            "date", "Mon, 27 Jul 2009 12:28:53 GMT",
            "server", "Apache",
            "last-modified", "Wed, 22 Jul 2009 19:15:56 GMT",
            "etag", "\"34aa387-d-1568eb00\"",
            "accept-ranges", "bytes",
            "content-length", "51",
            "vary", "Accept-Encoding",
            "content-type", "text/plain");
    private static final String RESPONSE_CONTENT = "Hello World! My content includes a trailing CRLF.\r\n";

    // RFC 9292 §5, Figure "Chunked Encoding Example" (ex-chunked.http): Transfer-Encoding dropped, chunks joined.
    private static final String CHUNKED_CONTENT = "This" + " conte" + "nt contains CRLF.\r\n";
    private static final FieldSection CHUNKED_TRAILERS = FieldSection.of("trailer", "text");

    private static final BinaryRequest EX_REQUEST = new BinaryRequest(
            Framing.KNOWN_LENGTH,
            "GET",
            "https",
            "",
            "/hello.txt",
            REQUEST_HEADERS,
            new byte[0],
            FieldSection.EMPTY,
            0);
    private static final BinaryResponse EX_RESPONSE = new BinaryResponse(
            Framing.INDETERMINATE_LENGTH,
            RESPONSE_INFORMATIONAL,
            200,
            RESPONSE_HEADERS,
            latin1(RESPONSE_CONTENT),
            FieldSection.EMPTY,
            0);
    private static final BinaryResponse EX_CHUNKED = new BinaryResponse(
            Framing.KNOWN_LENGTH, List.of(), 200, FieldSection.EMPTY, latin1(CHUNKED_CONTENT), CHUNKED_TRAILERS, 0);

    @Test
    void vectorFilesMatchTheJsonHex() throws IOException {
        String[][] pairs = {
            {"ex-bink-request.bin", "ex-bink-request"},
            {"ex-bini-request.bin", "ex-bini-request"},
            {"ex-bini-response.bin", "ex-bini-response"},
            {"ex-bink-chunked.bin", "ex-bink-chunked"},
            {"ohttp-rs-chunked-indeterminate.bin", "ohttp-rs-chunked-indeterminate"},
        };
        for (String[] pair : pairs) {
            assertArrayEquals(jsonHex(pair[1]), readVector(pair[0]), pair[0]);
        }
        assertEquals(135, readVector("ex-bink-request.bin").length);
        assertEquals(144, readVector("ex-bini-request.bin").length);
    }

    /** The expected values above are the ones in the message/http figures of the RFC, not just typed in again. */
    @Test
    void expectedValuesAppearInTheHttpFigures() throws IOException {
        String request = Files.readString(vectorDir().resolve("ex-request.http"), ISO_8859_1);
        assertTrue(request.startsWith("GET /hello.txt HTTP/1.1\r\n"));
        assertFieldsAppear(request, REQUEST_HEADERS);
        String response = Files.readString(vectorDir().resolve("ex-response.http"), ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 102 Processing\r\n"));
        assertTrue(response.contains("\r\nHTTP/1.1 103 Early Hints\r\n"));
        assertTrue(response.contains("\r\nHTTP/1.1 200 OK\r\n"));
        for (InformationalResponse info : RESPONSE_INFORMATIONAL) {
            assertFieldsAppear(response, info.headers());
        }
        assertFieldsAppear(response, RESPONSE_HEADERS);
        assertTrue(response.endsWith("\r\n\r\n" + RESPONSE_CONTENT + "\r\n"));
        String chunked = Files.readString(vectorDir().resolve("ex-chunked.http"), ISO_8859_1);
        assertTrue(chunked.contains(
                "4\r\nThis\r\n6\r\n conte\r\n13;chunk-extension=foo\r\nnt contains CRLF.\r\n\r\n0\r\n"));
        assertTrue(chunked.endsWith("0\r\nTrailer: text\r\n\r\n"));
    }

    private static void assertFieldsAppear(String http, FieldSection section) {
        String lower = http.toLowerCase(java.util.Locale.ROOT);
        for (Field f : section.fields()) {
            // Field names are lowercased in the binary form; values are kept as they are.
            int at = lower.indexOf("\r\n" + f.name() + ": ");
            assertTrue(at >= 0, f.name());
            assertTrue(http.contains(": " + f.value() + "\r\n"), f.name());
        }
    }

    @Test
    void knownLengthRequest() throws Exception {
        byte[] bytes = readVector("ex-bink-request.bin");
        BinaryRequest r = BinaryRequest.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(Framing.KNOWN_LENGTH, r.framing());
        assertEquals("GET", r.method());
        assertEquals("https", r.scheme());
        assertEquals("", r.authority());
        assertEquals("/hello.txt", r.path());
        assertEquals(REQUEST_HEADERS.fields(), r.headers().fields());
        assertEquals("www.example.com", r.headers().first("Host").orElseThrow());
        assertEquals(0, r.content().length);
        assertEquals(FieldSection.EMPTY, r.trailers());
        assertEquals(0, r.padding());
        assertEquals(EX_REQUEST, r);
        // Canonical: the full form, and the form with the last two bytes (empty content and trailers) cut.
        assertArrayEquals(bytes, r.encode());
        assertArrayEquals(Arrays.copyOf(bytes, bytes.length - 2), r.encodeTruncated());
        assertTruncations(bytes, 23, 133, 134, bytes.length);
    }

    @Test
    void indeterminateLengthRequestWithPadding() throws Exception {
        byte[] bytes = readVector("ex-bini-request.bin");
        BinaryRequest r = BinaryRequest.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(Framing.INDETERMINATE_LENGTH, r.framing());
        assertEquals("GET", r.method());
        assertEquals("https", r.scheme());
        assertEquals("", r.authority());
        assertEquals("/hello.txt", r.path());
        assertEquals(REQUEST_HEADERS, r.headers());
        assertEquals(0, r.content().length);
        assertEquals(FieldSection.EMPTY, r.trailers());
        assertEquals(10, r.padding(), "RFC 9292 §5: 10 bytes of padding");
        assertEquals(EX_REQUEST.withFraming(Framing.INDETERMINATE_LENGTH).withPadding(10), r);
        assertArrayEquals(bytes, r.encode());
        // "anything up to 12 bytes can be removed from this message without affecting its meaning"
        assertTruncations(bytes, 23, 132, 133, bytes.length - 12);
    }

    @Test
    void indeterminateLengthResponseWithInformationalResponses() throws Exception {
        byte[] bytes = readVector("ex-bini-response.bin");
        BinaryResponse r = BinaryResponse.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(Framing.INDETERMINATE_LENGTH, r.framing());
        assertEquals(2, r.informational().size());
        assertEquals(102, r.informational().get(0).status());
        assertEquals(
                "\"sleep 15\"",
                r.informational().get(0).headers().first("running").orElseThrow());
        assertEquals(103, r.informational().get(1).status());
        assertEquals(
                List.of("</style.css>; rel=preload; as=style", "</script.js>; rel=preload; as=script"),
                r.informational().get(1).headers().all("link"));
        assertEquals(RESPONSE_INFORMATIONAL, r.informational());
        assertEquals(200, r.status());
        assertEquals(RESPONSE_HEADERS.fields(), r.headers().fields());
        assertEquals(RESPONSE_CONTENT, new String(r.content(), ISO_8859_1));
        assertEquals(51, r.content().length);
        assertEquals(FieldSection.EMPTY, r.trailers());
        assertEquals(0, r.padding());
        assertEquals(EX_RESPONSE, r);
        assertArrayEquals(bytes, r.encode());
        assertTruncations(bytes, 111, 314, 367, bytes.length);
    }

    @Test
    void knownLengthChunkedResponse() throws Exception {
        byte[] bytes = readVector("ex-bink-chunked.bin");
        BinaryResponse r = BinaryResponse.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(Framing.KNOWN_LENGTH, r.framing());
        assertEquals(List.of(), r.informational());
        assertEquals(200, r.status());
        assertEquals(FieldSection.EMPTY, r.headers(), "Transfer-Encoding is dropped");
        assertEquals(CHUNKED_CONTENT, new String(r.content(), ISO_8859_1));
        assertEquals("text", r.trailers().first("trailer").orElseThrow());
        assertEquals(CHUNKED_TRAILERS, r.trailers());
        assertEquals(0, r.padding());
        assertEquals(EX_CHUNKED, r);
        assertArrayEquals(bytes, r.encode());
        assertArrayEquals(bytes, r.encodeTruncated(), "nothing to truncate: the trailers are not empty");
        assertTruncations(bytes, 3, 4, 34, bytes.length);
    }

    @Test
    void indeterminateLengthChunkedResponseFromOhttpRs() throws Exception {
        byte[] bytes = readVector("ohttp-rs-chunked-indeterminate.bin");
        BinaryResponse r = BinaryResponse.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(EX_CHUNKED.withFraming(Framing.INDETERMINATE_LENGTH), r);
        assertArrayEquals(bytes, r.encode());
        assertTruncations(bytes, 3, 4, 35, bytes.length);
    }

    @Test
    void rfc9458TinyRequest() throws Exception {
        byte[] bytes = jsonHex("rfc9458-tiny-request");
        BinaryRequest r = BinaryRequest.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(BinaryRequest.of("GET", "https", "example.com", "/", FieldSection.EMPTY, new byte[0]), r);
        assertArrayEquals(bytes, r.encodeTruncated(), "RFC 9458 App. A truncates after the control data");
        assertArrayEquals(BhttpTestSupport.hex("00034745540568747470730b6578616d706c652e636f6d012f000000"), r.encode());
        assertTruncations(bytes, bytes.length, bytes.length, bytes.length, bytes.length);
    }

    @Test
    void rfc9458TinyResponse() throws Exception {
        byte[] bytes = jsonHex("rfc9458-tiny-response");
        BinaryResponse r = BinaryResponse.decode(bytes, BhttpLimits.DEFAULT);
        assertEquals(BinaryResponse.of(200, FieldSection.EMPTY, new byte[0]), r);
        assertArrayEquals(bytes, r.encodeTruncated());
        assertArrayEquals(BhttpTestSupport.hex("0140c8000000"), r.encode());
        assertTruncations(bytes, 3, 3, 3, 3);
    }

    @Test
    void requestVectorIsNotAResponseAndBack() throws Exception {
        BhttpException e = assertThrows(
                BhttpException.class,
                () -> BinaryResponse.decode(readVector("ex-bink-request.bin"), BhttpLimits.DEFAULT));
        assertEquals(BhttpException.Reason.MALFORMED, e.reason());
        e = assertThrows(
                BhttpException.class,
                () -> BinaryRequest.decode(readVector("ex-bini-response.bin"), BhttpLimits.DEFAULT));
        assertEquals(BhttpException.Reason.MALFORMED, e.reason());
    }

    /**
     * Cuts {@code message} after every length from 0 to its full length. The cuts that RFC 9292 §3.8 allows are:
     * right after the (final) control data ({@code afterControl}: empty header section, content and trailers), right
     * after the header section ({@code afterHeaders}: empty content and trailers), right after the content
     * ({@code afterContent}: empty trailers), and any length from {@code fullFrom} on (only padding or the last empty
     * sections missing, same meaning). Every other cut must fail with a {@link BhttpException}.
     */
    private static void assertTruncations(
            byte[] message, int afterControl, int afterHeaders, int afterContent, int fullFrom) throws Exception {
        boolean isRequest = message[0] == 0 || message[0] == 2;
        Object full = decode(message, isRequest);
        Set<Integer> allowed = new TreeSet<>(List.of(afterControl, afterHeaders, afterContent));
        for (int length = 0; length <= message.length; length++) {
            byte[] cut = Arrays.copyOf(message, length);
            if (length >= fullFrom) {
                assertEquals(withoutPadding(full), withoutPadding(decode(cut, isRequest)), "cut at " + length);
            } else if (allowed.contains(length)) {
                Object expected = full;
                if (length <= afterContent) expected = emptyTrailers(expected);
                if (length <= afterHeaders) expected = emptyContent(expected);
                if (length <= afterControl) expected = emptyHeaders(expected);
                assertEquals(withoutPadding(expected), withoutPadding(decode(cut, isRequest)), "cut at " + length);
            } else {
                final int at = length;
                BhttpException e = assertThrows(
                        BhttpException.class, () -> decode(cut, isRequest), () -> "cut at " + at + " must fail");
                assertTrue(e.getMessage().startsWith("BHTTP "), e.getMessage());
            }
        }
    }

    private static Object decode(byte[] message, boolean isRequest) throws BhttpException {
        return isRequest
                ? BinaryRequest.decode(message, BhttpLimits.DEFAULT)
                : BinaryResponse.decode(message, BhttpLimits.DEFAULT);
    }

    private static Object withoutPadding(Object m) {
        return m instanceof BinaryRequest r ? r.withPadding(0) : ((BinaryResponse) m).withPadding(0);
    }

    private static Object emptyTrailers(Object m) {
        return m instanceof BinaryRequest r
                ? r.withTrailers(FieldSection.EMPTY)
                : ((BinaryResponse) m).withTrailers(FieldSection.EMPTY);
    }

    private static Object emptyContent(Object m) {
        if (m instanceof BinaryRequest r) {
            return new BinaryRequest(
                    r.framing(),
                    r.method(),
                    r.scheme(),
                    r.authority(),
                    r.path(),
                    r.headers(),
                    new byte[0],
                    r.trailers(),
                    r.padding());
        }
        BinaryResponse r = (BinaryResponse) m;
        return new BinaryResponse(
                r.framing(), r.informational(), r.status(), r.headers(), new byte[0], r.trailers(), r.padding());
    }

    private static Object emptyHeaders(Object m) {
        if (m instanceof BinaryRequest r) {
            return new BinaryRequest(
                    r.framing(),
                    r.method(),
                    r.scheme(),
                    r.authority(),
                    r.path(),
                    FieldSection.EMPTY,
                    r.content(),
                    r.trailers(),
                    r.padding());
        }
        BinaryResponse r = (BinaryResponse) m;
        return new BinaryResponse(
                r.framing(), r.informational(), r.status(), FieldSection.EMPTY, r.content(), r.trailers(), r.padding());
    }
}
