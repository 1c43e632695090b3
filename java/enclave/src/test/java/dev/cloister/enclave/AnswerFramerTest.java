package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.protocol.padding.AnswerFrames;
import dev.cloister.protocol.padding.SizeBuckets;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The framer against a clock the test moves: one frame per tick, one size, padded to a bucket. */
class AnswerFramerTest {

    private static final long MS = 1_000_000L;
    private static final long START = 5_000 * MS;
    /** 64-byte frames (60 bytes of data) every 10 ms, buckets from 256 bytes (4 frames). */
    private static final AnswerPadding PADDING = new AnswerPadding(64, Duration.ofMillis(10), new SizeBuckets(256));

    private final List<byte[]> kept = new ArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the framer to its end, offering {@code pieces[i]} at {@code at[i]} ms, ending at {@code endAt} ms. */
    private List<byte[]> run(String[] pieces, long[] at, long endAt) {
        AnswerFramer framer = new AnswerFramer(PADDING, START, kept::add);
        List<byte[]> frames = new ArrayList<>();
        int next = 0;
        for (long now = 0; now < 10_000 && !framer.finished(); now++) {
            while (next < pieces.length && at[next] == now) framer.offer(bytes(pieces[next++]));
            if (now == endAt) framer.end();
            framer.due(START + now * MS).ifPresent(frames::add);
        }
        assertTrue(framer.finished());
        return frames;
    }

    private static byte[] data(List<byte[]> frames) throws Exception {
        AnswerFrames.Reader reader = new AnswerFrames.Reader();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : frames) reader.offer(frame).forEach(out::writeBytes);
        assertTrue(reader.atFrameBoundary());
        return out.toByteArray();
    }

    @Test
    void oneFramePerTickAndNoneBetween() {
        AnswerFramer framer = new AnswerFramer(PADDING, START, kept::add);
        assertEquals(Optional.empty(), framer.due(START));
        assertEquals(START + 10 * MS, framer.nextTickNanos());
        framer.offer(bytes("Once"));
        assertEquals(Optional.empty(), framer.due(START + 9 * MS));
        assertEquals(64, framer.due(START + 10 * MS).orElseThrow().length);
        assertEquals(Optional.empty(), framer.due(START + 10 * MS));
        assertEquals(Optional.empty(), framer.due(START + 19 * MS));
        assertEquals(START + 20 * MS, framer.nextTickNanos());
        // Nothing new to say: the tick still sends a frame, of padding only.
        assertArrayEquals(
                AnswerFrames.frame(new byte[0], 0, 0, 64),
                framer.due(START + 23 * MS).orElseThrow());
        // Taken a little late, the cadence keeps its phase.
        assertEquals(START + 30 * MS, framer.nextTickNanos());
        // Taken two ticks late: one frame, no burst, and the ticks start again from here.
        assertTrue(framer.due(START + 52 * MS).isPresent());
        assertEquals(Optional.empty(), framer.due(START + 52 * MS));
        assertEquals(START + 62 * MS, framer.nextTickNanos());
        assertEquals(3, framer.emitted());
    }

    @Test
    void differentTokenLengthsGiveTheSameFrames() throws Exception {
        // Same timing, different token lengths (a short answer and a long one of the same bucket).
        String[] shortTokens = {"Hi", " Bob", "."};
        String[] longTokens = {"Greetings", ", dear", " Robert", " of the", " north", "!"};
        List<byte[]> a = run(shortTokens, new long[] {3, 11, 12}, 25);
        List<byte[]> b = run(longTokens, new long[] {3, 4, 5, 11, 15, 21}, 25);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(64, a.get(i).length);
            assertEquals(64, b.get(i).length);
        }
        // Both end within 3 ticks; 4 frames fill the 256-byte bucket.
        assertEquals(4, a.size());
        assertEquals("Hi Bob.", new String(data(a), StandardCharsets.UTF_8));
        assertEquals("Greetings, dear Robert of the north!", new String(data(b), StandardCharsets.UTF_8));
    }

    @Test
    void aLongAnswerDrainsAFrameAtATimeThenPadsToItsBucket() throws Exception {
        String answer = "x".repeat(300); // 5 frames of 60 bytes
        List<byte[]> frames = run(new String[] {answer}, new long[] {1}, 2);
        // The data leaves in frames 1-5; 5 frames (320 bytes) round up to the 512-byte bucket: 8 frames.
        assertEquals(8, frames.size());
        assertEquals(answer, new String(data(frames), StandardCharsets.UTF_8));
        assertEquals(answer, new String(data(frames.subList(0, 5)), StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyAnswerStillFillsTheSmallestBucket() {
        assertEquals(4, run(new String[0], new long[0], 0).size());
    }

    @Test
    void bufferedBytesAreZeroedAsTheyLeaveAndOfferedOnesAtOnce() {
        AnswerFramer framer = new AnswerFramer(PADDING, START, kept::add);
        byte[] token = bytes("secret");
        framer.offer(token);
        assertArrayEquals(new byte[6], token);
        framer.end();
        framer.due(START + 10 * MS);
        for (byte[] buffer : kept) assertArrayEquals(new byte[buffer.length], buffer);
        assertFalse(kept.isEmpty());
        byte[] late = bytes("more");
        framer.offer(late);
        assertArrayEquals(new byte[4], late, "zeroed");
        // Nothing after the end goes out: the remaining frames of the bucket are padding only.
        for (long now = 20; now <= 40; now += 10) {
            byte[] frame = framer.due(START + now * MS).orElseThrow();
            assertArrayEquals(AnswerFrames.frame(new byte[0], 0, 0, 64), frame);
        }
        assertTrue(framer.finished());
    }

    /**
     * A short first frame: the first tick is {@code firstFrame} after the request, the others at the cadence from
     * there, whenever the tokens come; an answer whose first token is ready by then shows it at once, one whose first
     * token comes later leaves the same frames at the same times, the first one padding only.
     */
    @Test
    void theFirstFrameLeavesAtItsOwnDelayAndTheCadenceRunsFromIt() throws Exception {
        AnswerPadding early = new AnswerPadding(64, Duration.ofMillis(10), Duration.ofMillis(2), new SizeBuckets(256));
        List<long[]> fast = new ArrayList<>();
        List<long[]> slow = new ArrayList<>();
        List<byte[]> fastFrames = runTimed(early, "Hi", 1, fast);
        List<byte[]> slowFrames = runTimed(early, "Hello there", 7, slow);
        // Frames at 2, 12, 22, 32 ms: the same times and sizes for both, 4 frames to fill the bucket.
        assertEquals(List.of(2L, 12L, 22L, 32L), fast.stream().map(t -> t[0]).toList());
        assertEquals(List.of(2L, 12L, 22L, 32L), slow.stream().map(t -> t[0]).toList());
        for (byte[] frame : fastFrames) assertEquals(64, frame.length);
        for (byte[] frame : slowFrames) assertEquals(64, frame.length);
        // Ready at 1 ms: out in the frame at 2 ms. Ready at 7 ms: the 2 ms frame is padding, the text leaves at 12.
        assertEquals("Hi", new String(data(fastFrames.subList(0, 1)), StandardCharsets.UTF_8));
        assertArrayEquals(AnswerFrames.frame(new byte[0], 0, 0, 64), slowFrames.get(0));
        assertEquals("Hello there", new String(data(slowFrames.subList(0, 2)), StandardCharsets.UTF_8));
        // The default: 2 ms, then every 25 ms.
        assertEquals(Duration.ofMillis(2), AnswerPadding.DEFAULT.firstFrame());
        assertEquals(START + 2 * MS, new AnswerFramer(AnswerPadding.DEFAULT, START, kept::add).nextTickNanos());
    }

    /** One answer, offered whole at {@code atMs} and ended then; each frame's time (ms from the start) in {@code times}. */
    private List<byte[]> runTimed(AnswerPadding padding, String answer, long atMs, List<long[]> times) {
        AnswerFramer framer = new AnswerFramer(padding, START, kept::add);
        List<byte[]> frames = new ArrayList<>();
        for (long now = 0; now < 1_000 && !framer.finished(); now++) {
            if (now == atMs) {
                framer.offer(bytes(answer));
                framer.end();
            }
            long at = now;
            framer.due(START + now * MS).ifPresent(frame -> {
                frames.add(frame);
                times.add(new long[] {at});
            });
        }
        assertTrue(framer.finished());
        return frames;
    }

    @Test
    void paddingKnobsAreChecked() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerPadding(32, Duration.ofMillis(10), SizeBuckets.DEFAULT));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerPadding(1 << 15, Duration.ofMillis(10), SizeBuckets.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> new AnswerPadding(1024, Duration.ZERO, SizeBuckets.DEFAULT));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerPadding(1024, Duration.ofSeconds(2), SizeBuckets.DEFAULT));
        // The first frame: from 1 ms to one cadence after the request.
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerPadding(1024, Duration.ofMillis(25), Duration.ZERO, SizeBuckets.DEFAULT));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerPadding(1024, Duration.ofMillis(25), Duration.ofMillis(26), SizeBuckets.DEFAULT));
        assertEquals(
                Duration.ofMillis(10),
                new AnswerPadding(1024, Duration.ofMillis(10), SizeBuckets.DEFAULT).firstFrame());
    }
}
