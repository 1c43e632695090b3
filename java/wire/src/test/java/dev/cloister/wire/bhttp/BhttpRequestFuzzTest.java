package dev.cloister.wire.bhttp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

class BhttpRequestFuzzTest {

    private static final BhttpLimits TIGHT = new BhttpLimits(4096, 512, 16, 1024, 4);

    /**
     * Any input either fails with a {@link BhttpException} or decodes to a request that encodes to bytes that decode
     * to the same request and encode to the same bytes again.
     */
    @FuzzTest
    void decodeReencodeDecode(byte[] input) {
        BinaryRequest request;
        try {
            request = BinaryRequest.decode(input, TIGHT);
        } catch (BhttpException e) {
            assertTrue(e.getMessage().startsWith("BHTTP request"), e.getMessage());
            return;
        }
        byte[] encoded = request.encode();
        try {
            BinaryRequest again = BinaryRequest.decode(encoded, BhttpLimits.DEFAULT);
            assertEquals(request, again);
            assertArrayEquals(encoded, again.encode());
            BinaryRequest truncated = BinaryRequest.decode(request.encodeTruncated(), BhttpLimits.DEFAULT);
            assertEquals(request.withPadding(0), truncated.withPadding(0));
        } catch (BhttpException e) {
            throw new AssertionError("re-encoded request does not decode", e);
        }
    }
}
