package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.model.ModelFormatException;

class LlamaTokenizerFileFuzzTest {

    /**
     * Any bytes either parse into entries that write back to exactly the same bytes (and then yield a vocabulary and
     * tokenizer, or a precise refusal), or are refused with ModelFormatException; nothing else is thrown.
     */
    @FuzzTest
    void parseWriteParse(byte[] input) {
        LlamaTokenizerFile.Contents contents;
        try {
            contents = LlamaTokenizerFile.parse(input);
        } catch (ModelFormatException refused) {
            return;
        }
        assertArrayEquals(input, LlamaTokenizerFile.write(contents));
        assertTrue(contents.entries().size() >= 3);
        try {
            Tokenizer tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.vocabulary(contents));
            int[] tokens = tokenizer.encode("Once upon a time", Framing.BOS_EOS);
            for (int token : tokens) {
                assertTrue(token >= 0 && token < contents.entries().size());
            }
            tokenizer.decode(tokens);
        } catch (ModelFormatException refused) {
            // a vocabulary without all 256 byte tokens, or with a NaN score
        }
    }
}
