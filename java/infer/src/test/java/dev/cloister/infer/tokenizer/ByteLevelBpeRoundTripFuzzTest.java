package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.model.GgufValue;
import java.nio.charset.StandardCharsets;
import java.util.List;

class ByteLevelBpeRoundTripFuzzTest {

    static final List<Tokenizer> TOKENIZERS = List.of(
            ReferenceVocabularies.tokenizer(ReferenceVocabularies.LLAMA3),
            ReferenceVocabularies.tokenizer(ReferenceVocabularies.QWEN3),
            TinyByteLevelVocabulary.tokenizer(m -> m.put(GgufVocabulary.PRE, GgufValue.Text.of("smollm"))),
            TinyByteLevelVocabulary.tokenizer(m -> m.put(GgufVocabulary.PRE, GgufValue.Text.of("gpt-2"))));

    /**
     * Any text encodes, with special tokens as text and parsed, to in-range ids that decode back to its exact UTF-8
     * bytes (control tokens written out where they were parsed).
     */
    @FuzzTest
    void encodeThenDecode(FuzzedDataProvider data) {
        Tokenizer tokenizer = TOKENIZERS.get(data.consumeInt(0, TOKENIZERS.size() - 1));
        byte[] utf8 = data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8);
        int size = tokenizer.vocabulary().size();
        int[] plain = tokenizer.encode(utf8, Framing.NONE, SpecialTokens.AS_TEXT);
        int[] special = tokenizer.encode(utf8, Framing.NONE, SpecialTokens.RECOGNISED);
        for (int token : plain) {
            assertTrue(token >= 0 && token < size);
        }
        assertArrayEquals(utf8, tokenizer.decode(plain));
        assertArrayEquals(utf8, tokenizer.decode(special, ControlTokens.RENDERED));
    }
}
