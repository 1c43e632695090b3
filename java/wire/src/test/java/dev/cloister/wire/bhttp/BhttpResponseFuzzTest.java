package dev.cloister.wire.bhttp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

class BhttpResponseFuzzTest {

    private static final BhttpLimits TIGHT = new BhttpLimits(4096, 512, 16, 1024, 4);

    /**
     * Any input either fails with a {@link BhttpException} or decodes to a response that encodes to bytes that decode
     * to the same response and encode to the same bytes again.
     */
    @FuzzTest
    void decodeReencodeDecode(byte[] input) {
        BinaryResponse response;
        try {
            response = BinaryResponse.decode(input, TIGHT);
        } catch (BhttpException e) {
            assertTrue(e.getMessage().startsWith("BHTTP response"), e.getMessage());
            return;
        }
        byte[] encoded = response.encode();
        try {
            BinaryResponse again = BinaryResponse.decode(encoded, BhttpLimits.DEFAULT);
            assertEquals(response, again);
            assertArrayEquals(encoded, again.encode());
            BinaryResponse truncated = BinaryResponse.decode(response.encodeTruncated(), BhttpLimits.DEFAULT);
            assertEquals(response.withPadding(0), truncated.withPadding(0));
        } catch (BhttpException e) {
            throw new AssertionError("re-encoded response does not decode", e);
        }
    }
}
