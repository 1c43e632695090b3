package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.util.List;
import java.util.Map;

class HuggingFaceTokenizerFileFuzzTest {

    /**
     * Any pair of byte strings is either GGUF tokenizer metadata (which writes as a GGUF header and gives a tokenizer,
     * or a precise refusal) or refused with ModelFormatException; nothing else is thrown.
     */
    @FuzzTest
    void convert(FuzzedDataProvider data) {
        byte[] config = data.consumeBoolean() ? data.consumeBytes(2048) : null;
        byte[] tokenizer = data.consumeRemainingAsBytes();
        Map<String, GgufValue> metadata;
        try {
            metadata = HuggingFaceTokenizerFile.ggufMetadata(tokenizer, config, 0);
        } catch (ModelFormatException refused) {
            return;
        }
        assertTrue(metadata.containsKey(GgufVocabulary.TOKENS));
        GgufFile gguf = GgufFile.of(metadata, List.of());
        gguf.writeHeader();
        try {
            GgufVocabulary.tokenizer(gguf).encode("Hello <|im_end|> 123", Framing.BOS, SpecialTokens.RECOGNISED);
        } catch (ModelFormatException refused) {
            // e.g. fewer than 12 tokens and no BOS named
        }
    }
}
