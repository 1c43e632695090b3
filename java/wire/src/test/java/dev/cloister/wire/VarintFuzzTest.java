package dev.cloister.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;

class VarintFuzzTest {

    /** Any input either decodes to a value whose shortest encoding decodes to the same value, or reports truncation. */
    @FuzzTest
    void decodeThenReencode(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        try {
            long value = Varint.decode(in);
            assertTrue(value >= 0 && value <= Varint.MAX_VALUE);
            byte[] again = Varint.encode(value);
            assertTrue(again.length <= in.position());
            ByteBuffer back = ByteBuffer.wrap(again);
            assertArrayEquals(again, Varint.encode(Varint.decode(back)));
        } catch (Varint.TruncatedInputException e) {
            assertTrue(input.length < 8, () -> "truncation reported for " + Arrays.toString(input));
        }
    }
}
