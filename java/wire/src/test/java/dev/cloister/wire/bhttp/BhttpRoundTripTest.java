package dev.cloister.wire.bhttp;

import static dev.cloister.wire.bhttp.BhttpTestSupport.randomRequest;
import static dev.cloister.wire.bhttp.BhttpTestSupport.randomResponse;
import static dev.cloister.wire.bhttp.BhttpTestSupport.referenceEncode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests with fixed seeds: random valid messages in both framings, with informational responses, trailers and
 * padding, encode to exactly what a naive reference encoder writes and decode back to themselves; non-minimal integer
 * encodings and truncated encodings decode to the same message; the streaming writer's pieces decode as one message.
 */
class BhttpRoundTripTest {

    private static final int CASES = 3000;

    @Test
    void requestsRoundTrip() throws Exception {
        Random random = new Random(9292);
        for (int i = 0; i < CASES; i++) {
            BinaryRequest m = randomRequest(random);
            byte[] bytes = m.encode();
            assertArrayEquals(referenceEncode(m, 0), bytes, () -> "reference encoding of " + m);
            assertEquals(m, BinaryRequest.decode(bytes, BhttpLimits.DEFAULT));
            assertEquals(m, BinaryRequest.decode(direct(bytes), BhttpLimits.DEFAULT));
            BinaryRequest truncated = BinaryRequest.decode(m.encodeTruncated(), BhttpLimits.DEFAULT);
            assertEquals(m.withPadding(0), truncated.withPadding(0));
            assertTrue(truncated.padding() <= m.padding() && truncated.padding() >= m.padding() - 3);
            if (m.padding() == 0) assertEquals(m, truncated);
        }
    }

    @Test
    void responsesRoundTrip() throws Exception {
        Random random = new Random(9458);
        for (int i = 0; i < CASES; i++) {
            BinaryResponse m = randomResponse(random);
            byte[] bytes = m.encode();
            assertArrayEquals(referenceEncode(m, 0), bytes, () -> "reference encoding of " + m);
            assertEquals(m, BinaryResponse.decode(bytes, BhttpLimits.DEFAULT));
            assertEquals(m, BinaryResponse.decode(direct(bytes), BhttpLimits.DEFAULT));
            BinaryResponse truncated = BinaryResponse.decode(m.encodeTruncated(), BhttpLimits.DEFAULT);
            assertEquals(m.withPadding(0), truncated.withPadding(0));
            assertTrue(truncated.padding() <= m.padding() && truncated.padding() >= m.padding() - 3);
            if (m.padding() == 0) assertEquals(m, truncated);
        }
    }

    /** RFC 9292 §3: "Integer values do not need to be encoded on the minimum number of bytes necessary." */
    @Test
    void nonMinimalIntegersDecodeToTheSameMessage() throws Exception {
        Random random = new Random(16);
        for (int i = 0; i < 500; i++) {
            int width = new int[] {2, 4, 8}[i % 3];
            BinaryRequest request = randomRequest(random);
            assertEquals(request, BinaryRequest.decode(referenceEncode(request, width), BhttpLimits.DEFAULT));
            BinaryResponse response = randomResponse(random);
            assertEquals(response, BinaryResponse.decode(referenceEncode(response, width), BhttpLimits.DEFAULT));
        }
    }

    /** The decoder reads between position and limit of a heap buffer that is a slice of a larger array. */
    @Test
    void decodesFromAnOffsetInABuffer() throws Exception {
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            BinaryResponse m = randomResponse(random);
            byte[] bytes = m.encode();
            byte[] framed = new byte[bytes.length + 20];
            System.arraycopy(bytes, 0, framed, 7, bytes.length);
            framed[6] = 0x55;
            framed[7 + bytes.length] = 0x55;
            ByteBuffer view = ByteBuffer.wrap(framed, 7, bytes.length).slice();
            assertEquals(m, BinaryResponse.decode(view, BhttpLimits.DEFAULT));
            assertEquals(0, view.position(), "the caller's buffer is not moved");
        }
    }

    @Test
    void streamingWriterPiecesDecodeAsOneResponse() throws Exception {
        Random random = new Random(2026);
        for (int i = 0; i < 1000; i++) {
            BinaryResponse m = randomResponse(random).withFraming(Framing.INDETERMINATE_LENGTH);
            IndeterminateResponseWriter writer = new IndeterminateResponseWriter();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(writer.head(m.informational(), m.status(), m.headers()));
            byte[] content = m.content();
            int at = 0;
            while (at < content.length || random.nextInt(4) == 0) {
                int n = Math.min(content.length - at, random.nextInt(64));
                byte[] piece = writer.contentChunk(content, at, n);
                if (n == 0) assertEquals(0, piece.length, "an empty chunk must not end the content");
                out.writeBytes(piece);
                at += n;
                if (at == content.length && random.nextBoolean()) break;
            }
            out.writeBytes(writer.end(m.trailers(), m.padding()));
            assertEquals(m, BinaryResponse.decode(out.toByteArray(), BhttpLimits.DEFAULT));
        }
    }

    @Test
    void streamingWriterWithOneChunkEqualsTheWholeEncoding() {
        BinaryResponse m = new BinaryResponse(
                Framing.INDETERMINATE_LENGTH,
                java.util.List.of(),
                200,
                FieldSection.of("content-type", "text/event-stream"),
                new byte[] {1, 2, 3},
                FieldSection.of("x-tokens", "3"),
                5);
        IndeterminateResponseWriter writer = new IndeterminateResponseWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(writer.head(m.informational(), m.status(), m.headers()));
        out.writeBytes(writer.contentChunk(new byte[0]));
        out.writeBytes(writer.contentChunk(m.content()));
        out.writeBytes(writer.end(m.trailers(), 5));
        assertArrayEquals(m.encode(), out.toByteArray());
    }

    private static ByteBuffer direct(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        return b;
    }
}
