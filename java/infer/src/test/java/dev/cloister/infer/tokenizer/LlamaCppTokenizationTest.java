package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The byte-level BPE tokenizer against llama.cpp, token for token, on the Llama 3 and Qwen 3 vocabularies
 * (testdata/tokenizers/*&#47;llama-cpp-tokens.json, made by native/reference/make-fixtures.sh): each corpus text with
 * special-token texts as plain text and parsed, and decoding back to the text's exact bytes.
 */
class LlamaCppTokenizationTest {

    @SuppressWarnings("ArrayRecordComponent") // test data, compared with assertArrayEquals
    record Case(String vocabulary, String text, int[] plain, int[] special) {
        @Override
        public String toString() {
            return vocabulary + ": " + text.length() + " chars";
        }
    }

    @SuppressWarnings("unchecked")
    static List<Case> cases(String vocabulary) throws IOException {
        String json = Files.readString(
                ReferenceVocabularies.directory(vocabulary).resolve("llama-cpp-tokens.json"), StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        for (Object entry : (List<Object>) Json.object(json).get("cases")) {
            Map<String, Object> c = (Map<String, Object>) entry;
            cases.add(new Case(vocabulary, (String) c.get("text"), ids(c.get("plain")), ids(c.get("special"))));
        }
        return cases;
    }

    private static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(id -> ((Long) id).intValue()).toArray();
    }

    static Stream<Arguments> corpus() throws IOException {
        return Stream.concat(cases(ReferenceVocabularies.LLAMA3).stream(), cases(ReferenceVocabularies.QWEN3).stream())
                .map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void specialTokenTextsAsPlainTextTokenizeAsLlamaCppDoes(Case c) {
        Tokenizer tokenizer = ReferenceVocabularies.tokenizer(c.vocabulary());
        assertArrayEquals(c.plain(), tokenizer.encode(c.text(), Framing.NONE, SpecialTokens.AS_TEXT));
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void parsedSpecialTokensTokenizeAsLlamaCppDoes(Case c) {
        Tokenizer tokenizer = ReferenceVocabularies.tokenizer(c.vocabulary());
        assertArrayEquals(c.special(), tokenizer.encode(c.text(), Framing.NONE, SpecialTokens.RECOGNISED));
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void decodingGivesBackTheExactBytes(Case c) {
        Tokenizer tokenizer = ReferenceVocabularies.tokenizer(c.vocabulary());
        byte[] utf8 = c.text().getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(utf8, tokenizer.decode(c.plain()));
        assertArrayEquals(utf8, tokenizer.decode(c.special(), ControlTokens.RENDERED));
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void streamingPiecesJoinToTheText(Case c) {
        Tokenizer tokenizer = ReferenceVocabularies.tokenizer(c.vocabulary());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int previous = -1;
        for (int token : c.plain()) {
            out.writeBytes(tokenizer.piece(previous, token));
            previous = token;
        }
        assertEquals(c.text(), out.toString(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.api.Test
    void theCorpusCoversWhatItShould() throws IOException {
        List<Case> llama = cases(ReferenceVocabularies.LLAMA3);
        assertTrue(llama.size() >= 50, "corpus of " + llama.size());
        assertTrue(llama.stream().anyMatch(c -> c.text().isEmpty()));
        assertTrue(llama.stream().anyMatch(c -> c.plain().length != c.special().length), "special texts parsed");
    }
}
