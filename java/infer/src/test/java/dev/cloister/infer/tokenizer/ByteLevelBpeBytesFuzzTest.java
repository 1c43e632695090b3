package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

class ByteLevelBpeBytesFuzzTest {

    private static final List<Tokenizer> TOKENIZERS = ByteLevelBpeRoundTripFuzzTest.TOKENIZERS;

    /**
     * Any bytes, valid UTF-8 or not, encode to in-range ids (invalid sequences read as U+FFFD, as llama.cpp reads
     * them), or are refused with IllegalArgumentException when they spell a code point above U+10FFFF.
     */
    @FuzzTest
    void anyBytesEncode(byte[] input) {
        Tokenizer tokenizer = TOKENIZERS.get(input.length % TOKENIZERS.size());
        int[] tokens;
        try {
            tokens = tokenizer.encode(input, Framing.BOS_EOS, SpecialTokens.RECOGNISED);
        } catch (IllegalArgumentException refused) {
            return;
        }
        for (int token : tokens) {
            assertTrue(token >= 0 && token < tokenizer.vocabulary().size());
        }
        tokenizer.decode(tokens);
    }
}
