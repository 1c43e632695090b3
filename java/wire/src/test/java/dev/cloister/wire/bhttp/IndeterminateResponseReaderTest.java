package dev.cloister.wire.bhttp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IndeterminateResponseReaderTest {

    private static byte[] message(List<byte[]> chunks, int padding) {
        IndeterminateResponseWriter writer = new IndeterminateResponseWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(writer.head(
                List.of(new InformationalResponse(103, FieldSection.of("link", "</a>; rel=preload"))),
                200,
                FieldSection.of("content-type", "application/jsonl")));
        for (byte[] chunk : chunks) out.writeBytes(writer.contentChunk(chunk));
        out.writeBytes(writer.end(FieldSection.of("cloister-tokens", "3"), padding));
        return out.toByteArray();
    }

    @Test
    void readsWhatTheWriterWroteWhateverTheSplit() throws Exception {
        List<byte[]> chunks = List.of(
                "{\"text\":\"Once\"}\n".getBytes(StandardCharsets.UTF_8),
                new byte[300],
                "{\"done\":true}\n".getBytes(StandardCharsets.UTF_8));
        byte[] whole = message(chunks, 5);
        // The writer's bytes are a valid message for the one-shot decoder too.
        assertEquals(200, BinaryResponse.decode(whole).status());
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            IndeterminateResponseReader reader = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
            List<byte[]> got = new ArrayList<>();
            int at = 0;
            while (at < whole.length) {
                int step = 1 + random.nextInt(trial % 2 == 0 ? 3 : 64);
                int n = Math.min(step, whole.length - at);
                got.addAll(reader.offer(whole, at, n));
                at += n;
            }
            reader.finish();
            assertEquals(200, reader.head().orElseThrow().status());
            assertEquals(
                    103, reader.head().orElseThrow().informational().getFirst().status());
            assertEquals("3", reader.trailers().first("cloister-tokens").orElseThrow());
            assertEquals(chunks.size(), got.size());
            for (int i = 0; i < chunks.size(); i++) assertArrayEquals(chunks.get(i), got.get(i));
        }
    }

    @Test
    void theHeadIsAvailableBeforeAnyContent() throws Exception {
        IndeterminateResponseWriter writer = new IndeterminateResponseWriter();
        IndeterminateResponseReader reader = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
        assertEquals(List.of(), reader.offer(writer.head(List.of(), 503, FieldSection.of("retry-after", "1"))));
        assertEquals(503, reader.head().orElseThrow().status());
        reader.finish();
    }

    @Test
    void truncatedMessagesAreRefused() throws Exception {
        byte[] whole = message(List.of(new byte[] {1, 2, 3}), 0);
        for (int cut : new int[] {1, 10, whole.length - 8}) {
            IndeterminateResponseReader reader = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
            reader.offer(whole, 0, cut);
            BhttpException e = assertThrows(BhttpException.class, reader::finish);
            assertEquals(BhttpException.Reason.TRUNCATED, e.reason());
        }
    }

    @Test
    void badBytesAndLimitsAreRefused() throws Exception {
        byte[] padded = message(List.of(new byte[] {1}), 4);
        padded[padded.length - 1] = 1;
        assertThrows(BhttpException.class, () -> new IndeterminateResponseReader(BhttpLimits.DEFAULT).offer(padded));
        // A known-length response is not a stream.
        byte[] known =
                BinaryResponse.of(200, FieldSection.EMPTY, new byte[] {1}).encode();
        assertThrows(BhttpException.class, () -> new IndeterminateResponseReader(BhttpLimits.DEFAULT).offer(known));
        // Content past the limit is refused before it is held.
        BhttpLimits tight = new BhttpLimits(1 << 20, 512, 16, 100, 2);
        byte[] big = message(List.of(new byte[60], new byte[60]), 0);
        BhttpException e = assertThrows(BhttpException.class, () -> new IndeterminateResponseReader(tight).offer(big));
        assertEquals(BhttpException.Reason.LIMIT_EXCEEDED, e.reason());
        // A failed reader stays failed.
        IndeterminateResponseReader failed = new IndeterminateResponseReader(BhttpLimits.DEFAULT);
        assertThrows(BhttpException.class, () -> failed.offer(new byte[] {0x40, 0x7f}));
        assertThrows(BhttpException.class, () -> failed.offer(new byte[] {3}));
    }
}
