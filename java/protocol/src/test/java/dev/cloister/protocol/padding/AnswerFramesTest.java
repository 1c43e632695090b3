package dev.cloister.protocol.padding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerFramesTest {

    private static final byte[] TEXT = "the surprise party is at Carol's".getBytes(StandardCharsets.UTF_8);

    @Test
    void aFrameIsItsLengthsThenItsDataThenZeros() {
        byte[] frame = AnswerFrames.frame(TEXT, 4, 3, 64);
        assertEquals(64, frame.length);
        assertArrayEquals(new byte[] {0, 3, 0, 57, 's', 'u', 'r'}, Arrays.copyOf(frame, 7));
        for (int i = 7; i < 64; i++) assertEquals(0, frame[i]);
        assertEquals(60, AnswerFrames.capacity(64));
        assertThrows(IllegalArgumentException.class, () -> AnswerFrames.frame(new byte[61], 0, 61, 64));
        assertThrows(IllegalArgumentException.class, () -> AnswerFrames.capacity(63));
        assertThrows(IllegalArgumentException.class, () -> AnswerFrames.capacity((1 << 14) + 1));
    }

    @Test
    void framesReadBackInAnySplit() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(AnswerFrames.frame(TEXT, 0, 10, 64));
        stream.writeBytes(AnswerFrames.frame(TEXT, 0, 0, 64));
        stream.writeBytes(AnswerFrames.frame(TEXT, 10, TEXT.length - 10, 128));
        byte[] all = stream.toByteArray();
        for (int step = 1; step <= all.length; step++) {
            AnswerFrames.Reader reader = new AnswerFrames.Reader();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (int at = 0; at < all.length; at += step) {
                List<byte[]> pieces = reader.offer(Arrays.copyOfRange(all, at, Math.min(all.length, at + step)));
                pieces.forEach(data::writeBytes);
            }
            assertArrayEquals(TEXT, data.toByteArray(), "step " + step);
            assertTrue(reader.atFrameBoundary());
            assertEquals(3, reader.frames());
        }
    }

    @Test
    void aCutFrameIsNotAtABoundary() throws Exception {
        AnswerFrames.Reader reader = new AnswerFrames.Reader();
        byte[] frame = AnswerFrames.frame(TEXT, 0, 5, 64);
        assertEquals(List.of(), reader.offer(Arrays.copyOf(frame, 63)));
        assertFalse(reader.atFrameBoundary());
    }

    @Test
    void nonZeroPaddingIsRefused() throws Exception {
        byte[] frame = AnswerFrames.frame(TEXT, 0, 5, 64);
        frame[63] = 1;
        AnswerFrames.Reader reader = new AnswerFrames.Reader();
        AnswerFrames.MalformedFrameException e =
                assertThrows(AnswerFrames.MalformedFrameException.class, () -> reader.offer(frame));
        assertEquals("answer frame: non-zero padding byte", e.getMessage());
        assertFalse(reader.atFrameBoundary());
        assertThrows(AnswerFrames.MalformedFrameException.class, () -> reader.offer(new byte[4]));
    }

    @Test
    void aFrameLargerThanOneRecordIsRefusedBeforeItIsHeld() {
        AnswerFrames.Reader reader = new AnswerFrames.Reader();
        AnswerFrames.MalformedFrameException e = assertThrows(
                AnswerFrames.MalformedFrameException.class, () -> reader.offer(new byte[] {(byte) 0x40, 0, 0, 1}));
        assertEquals("answer frame: a frame of 16389 bytes exceeds 16384", e.getMessage());
    }
}
