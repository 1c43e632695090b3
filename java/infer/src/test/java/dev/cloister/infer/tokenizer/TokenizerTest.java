package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.model.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static final Tokenizer TOK512 = new SentencePieceTokenizer(LlamaTokenizerFile.read(TestModels.tok512()));

    @Test
    void referencePromptEncodesToRunCsIds() {
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, TOK512.encode(TestModels.REFERENCE_PROMPT, Framing.BOS));
        assertArrayEquals(new int[] {403, 407, 261, 378}, TOK512.encode(TestModels.REFERENCE_PROMPT, Framing.NONE));
        assertArrayEquals(
                new int[] {1, 403, 407, 261, 378, 2}, TOK512.encode(TestModels.REFERENCE_PROMPT, Framing.BOS_EOS));
    }

    /** SentencePiece too: EOS's text in user text is text; parsed only on request, with llama.cpp's dummy-space rule. */
    @Test
    void controlTokenTextsAreParsedOnlyOnRequest() {
        String eosText = new String(TOK512.vocabulary().piece(2), StandardCharsets.UTF_8); // llama2.c: "\n</s>\n"
        String text = "Once" + eosText + "upon";
        int[] asText = TOK512.encode(text, Framing.NONE);
        assertFalse(IntStream.of(asText).anyMatch(TOK512::endsText));
        assertEquals(" " + text, TOK512.decodeToString(asText), "the dummy space, then the text as it was");
        int[] parsed = TOK512.encode(text, Framing.NONE, SpecialTokens.RECOGNISED);
        int at = IntStream.range(0, parsed.length)
                .filter(i -> parsed[i] == 2)
                .findFirst()
                .orElseThrow();
        assertArrayEquals(TOK512.encode("Once", Framing.NONE), Arrays.copyOfRange(parsed, 0, at));
        // the text after a control token gets the dummy space again, as llama.cpp's SentencePiece path does
        assertArrayEquals(TOK512.encode("upon", Framing.NONE), Arrays.copyOfRange(parsed, at + 1, parsed.length));
        assertEquals(eosText, new String(TOK512.decode(new int[] {2}, ControlTokens.RENDERED), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[0], TOK512.decode(new int[] {2}));
        assertArrayEquals(new int[] {1, 2}, TOK512.endOfGeneration());
    }

    @Test
    void referenceIdsDecodeToReferenceText() {
        int[] withBos = new int[TestModels.REFERENCE_IDS.length + 1];
        withBos[0] = 1;
        System.arraycopy(TestModels.REFERENCE_IDS, 0, withBos, 1, TestModels.REFERENCE_IDS.length);
        assertEquals(TestModels.REFERENCE_TEXT, TOK512.decodeToString(withBos));
    }

    @Test
    void leadingSpaceIsDroppedOnlyAfterBos() {
        assertArrayEquals(" Once".getBytes(StandardCharsets.US_ASCII), TOK512.piece(-1, 403));
        assertArrayEquals("Once".getBytes(StandardCharsets.US_ASCII), TOK512.piece(1, 403));
        assertArrayEquals(new byte[] {'\n'}, TOK512.piece(403, 13));
        assertEquals(0, TOK512.piece(-1, 1).length, "BOS decodes to nothing");
        assertEquals(0, TOK512.piece(-1, 2).length, "EOS decodes to nothing");
    }

    @Test
    void charactersOutsideTheVocabularyFallBackToBytes() {
        String text = "naïve ☃ 𝄞";
        int[] tokens = TOK512.encode(text, Framing.BOS);
        List<Integer> byteTokens = new ArrayList<>();
        for (int token : tokens) {
            if (TOK512.vocabulary().type(token) == TokenType.BYTE) {
                byteTokens.add(token);
            }
        }
        assertTrue(byteTokens.contains(3 + 0xE2), "the snowman's lead byte is a byte token");
        assertTrue(byteTokens.contains(3 + 0xF0), "the clef's lead byte is a byte token");
        assertEquals(text, TOK512.decodeToString(tokens));
    }

    @Test
    void roundTripsTextsWithSpacesAndNewlines() {
        for (String text : List.of("", " ", "  two", "a\nb\n\n", "Lily and Ben.\tThe end ", "\u0000x")) {
            assertEquals(
                    text, TOK512.decodeToString(TOK512.encode(text, Framing.BOS)), () -> "length " + text.length());
        }
        assertArrayEquals(new int[] {1}, TOK512.encode("", Framing.BOS), "no dummy prefix for empty text");
    }

    @Test
    void mergesTheBestScoredPairFirstAndTheLeftmostOnTies() {
        // pieces: a b c ab bc; "abc" can merge as ab+c or a+bc: the higher score wins, then the leftmost on a tie
        // (after the dummy prefix, the space, which merges with nothing here)
        assertArrayEquals(new int[] {SPACE, ab(), c()}, tiny(2f, 1f).encode("abc", Framing.NONE));
        assertArrayEquals(new int[] {SPACE, a(), bc()}, tiny(1f, 2f).encode("abc", Framing.NONE));
        assertArrayEquals(new int[] {SPACE, ab(), c()}, tiny(1f, 1f).encode("abc", Framing.NONE));
        assertArrayEquals(
                new int[] {SPACE, ab(), 3 + 'x', ab()},
                tiny(1f, 1f).encode("abxab", Framing.NONE),
                "x is not in the vocabulary: its byte token");
    }

    @Test
    void thePriorityQueueMergeEqualsRunCsRescanningMerge() {
        java.util.Random random = new java.util.Random(5);
        String alphabet = "abcdefghijklmnopqrstuvwxyz     ,.!?\nLilyBenOnce upon a time é☃";
        RunCStyleEncoder oracle = new RunCStyleEncoder(TOK512.vocabulary());
        Tokenizer ties = tiny(1f, 1f);
        RunCStyleEncoder tiesOracle = new RunCStyleEncoder(ties.vocabulary());
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(200);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = text.toString();
            assertArrayEquals(oracle.encode(s), TOK512.encode(s, Framing.NONE), () -> "length " + s.length());
            String abc = s.replaceAll("[^abc]", "");
            assertArrayEquals(tiesOracle.encode(abc), ties.encode(abc, Framing.NONE));
        }
    }

    @Test
    void vocabularyWithoutAllByteTokensIsRefused() {
        LlamaTokenizerFile.Contents contents = LlamaTokenizerFile.parse(bytesOf(TestModels.tok512()));
        List<LlamaTokenizerFile.Entry> entries = new ArrayList<>(contents.entries());
        entries.set(
                3 + 0x41,
                new LlamaTokenizerFile.Entry(
                        0f, dev.cloister.base.Bytes.of("<0x4G>".getBytes(StandardCharsets.US_ASCII))));
        Vocabulary broken =
                LlamaTokenizerFile.vocabulary(new LlamaTokenizerFile.Contents(contents.maxTokenLength(), entries));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new SentencePieceTokenizer(broken));
        assertEquals("tokenizer: no byte-fallback token <0x41>", e.getMessage());
    }

    @Test
    void tokensOutsideTheVocabularyAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TOK512.piece(-1, 512));
        assertThrows(IllegalArgumentException.class, () -> TOK512.piece(-1, -1));
    }

    @Test
    void endOfTextIsEosOrBos() {
        assertTrue(TOK512.endsText(2));
        assertTrue(TOK512.endsText(1));
        assertFalse(TOK512.endsText(403));
    }

    @Test
    void toStringShowsNoPieces() {
        assertEquals("SentencePieceTokenizer[Vocabulary[512 tokens, bos=1, eos=2]]", TOK512.toString());
    }

    private static final int SPACE = 264;

    // a vocabulary of the 3 special tokens, 256 byte tokens, then a b c ab bc and a space
    private static int a() {
        return 259;
    }

    private static int c() {
        return 261;
    }

    private static int ab() {
        return 262;
    }

    private static int bc() {
        return 263;
    }

    static Tokenizer tiny(float abScore, float bcScore) {
        List<LlamaTokenizerFile.Entry> entries = new ArrayList<>();
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("<unk>".getBytes(StandardCharsets.US_ASCII))));
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("\n<s>\n".getBytes(StandardCharsets.US_ASCII))));
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("\n</s>\n".getBytes(StandardCharsets.US_ASCII))));
        for (int b = 0; b < 256; b++) {
            entries.add(new LlamaTokenizerFile.Entry(
                    0f, dev.cloister.base.Bytes.of(String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII))));
        }
        for (String[] piece : new String[][] {
            {"a", "-1"},
            {"b", "-2"},
            {"c", "-3"},
            {"ab", String.valueOf(abScore)},
            {"bc", String.valueOf(bcScore)},
            {" ", "-4"}
        }) {
            entries.add(new LlamaTokenizerFile.Entry(
                    Float.parseFloat(piece[1]),
                    dev.cloister.base.Bytes.of(piece[0].getBytes(StandardCharsets.US_ASCII))));
        }
        byte[] file = LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, entries));
        return new SentencePieceTokenizer(LlamaTokenizerFile.vocabulary(LlamaTokenizerFile.parse(file)));
    }

    static byte[] bytesOf(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
