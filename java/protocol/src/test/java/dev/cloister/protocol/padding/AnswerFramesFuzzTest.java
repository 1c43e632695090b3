package dev.cloister.protocol.padding;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

class AnswerFramesFuzzTest {

    /** Any bytes, in any split, give data no larger than a frame's, or a MalformedFrameException; never more. */
    @FuzzTest
    void framesAreBounded(byte[] input) {
        AnswerFrames.Reader reader = new AnswerFrames.Reader();
        long total = 0;
        int at = 0;
        try {
            while (at < input.length) {
                int step = 1 + (input[at] & 31);
                byte[] piece = Arrays.copyOfRange(input, at, Math.min(input.length, at + step));
                at += step;
                for (byte[] data : reader.offer(piece)) {
                    assertTrue(data.length <= AnswerFrames.MAX_FRAME - AnswerFrames.HEADER_BYTES);
                    total += data.length;
                }
            }
        } catch (AnswerFrames.MalformedFrameException expected) {
            // fine
        }
        assertTrue(total <= input.length);
    }
}
