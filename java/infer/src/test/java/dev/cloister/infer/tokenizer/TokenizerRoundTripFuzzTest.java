package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.TestModels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

class TokenizerRoundTripFuzzTest {

    private static final Tokenizer TOK512 = new SentencePieceTokenizer(LlamaTokenizerFile.read(TestModels.tok512()));
    private static final RunCStyleEncoder ORACLE = new RunCStyleEncoder(TOK512.vocabulary());

    /**
     * Any text encodes (with BOS) to in-range ids, the same ids as run.c's quadratic merge gives, that decode back to
     * the same text (as UTF-8 sees it).
     */
    @FuzzTest
    void encodeThenDecode(FuzzedDataProvider data) {
        String text = data.consumeString(4096);
        int[] framed = TOK512.encode(text, Framing.BOS);
        assertEquals(1, framed[0]);
        for (int token : framed) {
            assertTrue(token >= 0 && token < 512);
        }
        assertArrayEquals(Arrays.copyOfRange(framed, 1, framed.length), TOK512.encode(text, Framing.NONE));
        if (text.length() <= 512) {
            assertArrayEquals(ORACLE.encode(text), Arrays.copyOfRange(framed, 1, framed.length));
        }
        String expected = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        assertEquals(expected, TOK512.decodeToString(framed));
    }
}
