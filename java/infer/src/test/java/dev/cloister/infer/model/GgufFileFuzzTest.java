package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import java.nio.ByteBuffer;
import java.util.Arrays;

class GgufFileFuzzTest {

    /**
     * Any bytes either are refused with ModelFormatException or parse into a header that writes back to a header that
     * parses to the same thing (the tensor data kept in place); a vocabulary read from it is accepted or refused with
     * ModelFormatException. Nothing else is thrown, and nothing large is allocated for a small input.
     */
    @FuzzTest
    void readWriteRead(byte[] input) {
        GgufFile file;
        try {
            file = GgufFile.read(ByteBuffer.wrap(input));
        } catch (ModelFormatException refused) {
            return;
        }
        byte[] header = file.writeHeader();
        assertEquals(file.dataOffset(), header.length);
        byte[] data = input.length > file.dataOffset()
                ? Arrays.copyOfRange(input, (int) file.dataOffset(), input.length)
                : new byte[0];
        byte[] rewritten = Arrays.copyOf(header, header.length + data.length);
        System.arraycopy(data, 0, rewritten, header.length, data.length);
        GgufFile again = GgufFile.read(ByteBuffer.wrap(rewritten));
        assertArrayEquals(header, again.writeHeader());
        assertEquals(file.tensors(), again.tensors());
        assertEquals(file.metadata().keySet(), again.metadata().keySet());
        try {
            GgufVocabulary.tokenizer(file).encode("Once upon a time", dev.cloister.infer.tokenizer.Framing.BOS);
        } catch (ModelFormatException refused) {
            // not a llama vocabulary, or an inconsistent one
        }
    }
}
