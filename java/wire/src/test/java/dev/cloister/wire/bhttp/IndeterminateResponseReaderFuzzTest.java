package dev.cloister.wire.bhttp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;

class IndeterminateResponseReaderFuzzTest {

    private static final BhttpLimits TIGHT = new BhttpLimits(4096, 512, 16, 1024, 4);

    /**
     * Bytes offered in arbitrary pieces either fail with a {@link BhttpException} or, when the reader accepts the whole
     * stream, the one-shot decoder accepts the same bytes with the same content.
     */
    @FuzzTest
    void streamedAgreesWithOneShot(FuzzedDataProvider data) {
        int pieces = data.consumeInt(1, 8);
        byte[][] split = new byte[pieces][];
        for (int i = 0; i < pieces - 1; i++) split[i] = data.consumeBytes(data.consumeInt(0, 64));
        split[pieces - 1] = data.consumeRemainingAsBytes();
        IndeterminateResponseReader reader = new IndeterminateResponseReader(TIGHT);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        try {
            for (byte[] piece : split) {
                whole.writeBytes(piece);
                for (byte[] chunk : reader.offer(piece)) content.writeBytes(chunk);
            }
            reader.finish();
        } catch (BhttpException e) {
            assertTrue(e.getMessage().startsWith("BHTTP response"), e.getMessage());
            return;
        }
        try {
            BinaryResponse oneShot = BinaryResponse.decode(whole.toByteArray(), BhttpLimits.DEFAULT);
            assertArrayEquals(oneShot.content(), content.toByteArray());
        } catch (BhttpException e) {
            throw new AssertionError("the streaming reader accepted what the decoder refuses", e);
        }
    }
}
