package dev.cloister.operator.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsRecordAlignerTest {

    private static byte[] record(int length, int fill) {
        byte[] record = new byte[5 + length];
        record[0] = 23;
        record[1] = 3;
        record[2] = 3;
        record[3] = (byte) (length >>> 8);
        record[4] = (byte) length;
        Arrays.fill(record, 5, record.length, (byte) fill);
        return record;
    }

    @Test
    void recordsCutOrMergedByTcpComeOutWhole() {
        List<byte[]> sent = List.of(record(1046, 1), record(1046, 2), record(19, 3), record(0, 4), record(1046, 5));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        sent.forEach(stream::writeBytes);
        byte[] all = stream.toByteArray();
        for (int step : new int[] {1, 2, 5, 7, 1000, 1051, 2200, all.length}) {
            TlsRecordAligner aligner = new TlsRecordAligner();
            List<byte[]> out = new ArrayList<>();
            for (int at = 0; at < all.length; at += step) {
                out.addAll(aligner.offer(Arrays.copyOfRange(all, at, Math.min(all.length, at + step))));
            }
            assertEquals(sent.size(), out.size(), "step " + step);
            for (int i = 0; i < sent.size(); i++) assertArrayEquals(sent.get(i), out.get(i));
            assertEquals(0, aligner.rest().length);
        }
    }

    @Test
    void aCutRecordIsLeftForTheEnd() {
        TlsRecordAligner aligner = new TlsRecordAligner();
        byte[] record = record(100, 7);
        assertEquals(List.of(), aligner.offer(Arrays.copyOf(record, 50)));
        assertArrayEquals(Arrays.copyOf(record, 50), aligner.rest());
    }

    @Test
    void bytesThatAreNoRecordPassAsTheyCome() {
        TlsRecordAligner aligner = new TlsRecordAligner();
        byte[] bogus = {23, 3, 3, (byte) 0xff, (byte) 0xff, 1, 2};
        List<byte[]> out = aligner.offer(bogus);
        assertEquals(1, out.size());
        assertArrayEquals(bogus, out.get(0));
        byte[] more = {9, 9};
        assertArrayEquals(more, aligner.offer(more).get(0));
    }
}
