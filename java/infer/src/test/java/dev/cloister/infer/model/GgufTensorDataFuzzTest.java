package dev.cloister.infer.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.model.testmodel.TestModelSpec;
import dev.cloister.infer.model.testmodel.TestModelWriter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

class GgufTensorDataFuzzTest {

    private static final TestModelSpec SPEC = TestModelSpec.of("qwen2", "tiny", "q4_k_m", 1);

    /**
     * Any bytes that parse as a GGUF header: every tensor of up to 2^16 elements decodes to floats or is refused with
     * ModelFormatException (an unsupported type, data past the end), whatever its blocks hold; its tokenizer.* metadata
     * is refused with ModelFormatException or becomes the metadata of a test model, which reads back unchanged. Nothing else is thrown.
     */
    @FuzzTest
    void decodeOrRefuse(byte[] input) {
        GgufFile file;
        try {
            file = GgufFile.read(ByteBuffer.wrap(input));
        } catch (ModelFormatException refused) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(input);
        for (GgufTensorInfo tensor : file.tensors()) {
            if (tensor.elements() > 1 << 16) {
                continue;
            }
            try {
                GgufTensorData.toFloats(file, bytes, tensor, new float[(int) tensor.elements()], 0);
            } catch (ModelFormatException refused) {
                // a type without a decoder, or data beyond the end of the input
            }
        }
        Map<String, GgufValue> vocabulary;
        try {
            vocabulary = TestModelWriter.vocabularyOf(file);
        } catch (ModelFormatException refused) {
            return;
        }
        if (vocabulary.get(TestModelWriter.TOKENS) instanceof GgufValue.Array tokens
                && tokens.values().size() <= 4096) {
            TestModelWriter.plan(SPEC, tokens.values().size());
            GgufFile header = GgufFile.of(TestModelWriter.metadata(SPEC, vocabulary), List.of());
            GgufFile again = GgufFile.read(ByteBuffer.wrap(header.writeHeader()));
            if (!again.metadata().equals(header.metadata())) {
                throw new AssertionError("a test-model header does not read back");
            }
        }
    }
}
