package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HuggingFaceTokenizerFileTest {

    private static final String QWEN_SPLIT =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";

    /** A tokenizer.json: "a" 0, "b" 1, "ab" 3 (id 2 missing), merges "a b", added tokens at 4 and 5. */
    private static String tokenizerJson(String pre, String merges) {
        return """
                {"version": "1.0", "truncation": null,
                 "added_tokens": [
                   {"id": 4, "content": "<|im_end|>", "special": true, "normalized": false},
                   {"id": 5, "content": "<think>", "special": false},
                   {"id": 6, "content": "<|fim_pad|>", "special": false}],
                 "normalizer": {"type": "NFC"},
                 "pre_tokenizer": %s,
                 "model": {"type": "BPE", "ignore_merges": false, "vocab": {"a": 0, "b": 1, "ab": 3},
                           "merges": %s}}
                """.formatted(pre, merges);
    }

    private static final String QWEN_PRE = """
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": "%s"}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}
            """.formatted(QWEN_SPLIT);

    private static final String CONFIG = """
            {"add_bos_token": false, "bos_token": null, "eos_token": "<|im_end|>",
             "pad_token": {"content": "<|im_end|>", "special": true}, "chat_template": "{{ messages }}"}
            """;

    private static Map<String, GgufValue> convert(String tokenizer, String config) {
        return HuggingFaceTokenizerFile.ggufMetadata(
                tokenizer.getBytes(StandardCharsets.UTF_8),
                config == null ? null : config.getBytes(StandardCharsets.UTF_8),
                0);
    }

    private static List<String> texts(Map<String, GgufValue> m, String key) {
        return ((GgufValue.Array) m.get(key))
                .values().stream().map(v -> ((GgufValue.Text) v).string()).toList();
    }

    private static long[] numbers(Map<String, GgufValue> m, String key) {
        return ((GgufValue.Array) m.get(key))
                .values().stream().mapToLong(v -> ((GgufValue.Whole) v).value()).toArray();
    }

    @Test
    void aTokenizerJsonBecomesGgufTokenizerMetadata() {
        Map<String, GgufValue> m = convert(tokenizerJson(QWEN_PRE, "[\"a b\"]"), CONFIG);
        assertEquals("gpt2", ((GgufValue.Text) m.get(GgufVocabulary.MODEL)).string());
        assertEquals("qwen2", ((GgufValue.Text) m.get(GgufVocabulary.PRE)).string());
        assertEquals(
                List.of("a", "b", "[PAD2]", "ab", "<|im_end|>", "<think>", "<|fim_pad|>"),
                texts(m, GgufVocabulary.TOKENS));
        // normal, normal, padding (user-defined), normal, special (control), user-defined, looks special (control)
        assertArrayEquals(new long[] {1, 1, 4, 1, 3, 4, 3}, numbers(m, GgufVocabulary.TOKEN_TYPES));
        assertEquals(List.of("a b"), texts(m, GgufVocabulary.MERGES));
        assertEquals(new GgufValue.Whole(GgufType.UINT32, 4), m.get(GgufVocabulary.EOS));
        assertEquals(new GgufValue.Whole(GgufType.UINT32, 4), m.get(GgufVocabulary.PADDING));
        assertEquals(new GgufValue.Whole(GgufType.UINT32, 4), m.get(GgufVocabulary.EOT));
        assertFalse(m.containsKey(GgufVocabulary.BOS), "a null bos_token writes none");
        assertEquals(new GgufValue.Bool(false), m.get(GgufVocabulary.ADD_BOS));
        assertEquals("{{ messages }}", ((GgufValue.Text) m.get(GgufVocabulary.CHAT_TEMPLATE)).string());
        // and it loads as a tokenizer that merges
        Map<String, GgufValue> withBos = new java.util.LinkedHashMap<>(m);
        withBos.put(GgufVocabulary.BOS, new GgufValue.Whole(GgufType.UINT32, 4));
        Tokenizer tokenizer = GgufVocabulary.tokenizer(GgufFile.of(withBos, List.of()));
        assertArrayEquals(new int[] {3, 5}, tokenizer.encode("ab<think>", Framing.NONE));
    }

    @Test
    void mergesAsPairsAndThePreTokenizersLlamaCppNames() {
        Map<String, GgufValue> m = convert(tokenizerJson(QWEN_PRE, "[[\"a\", \"b\"]]"), null);
        assertEquals(List.of("a b"), texts(m, GgufVocabulary.MERGES));
        String smollm = """
                {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}
                """;
        assertEquals(
                "smollm",
                ((GgufValue.Text) convert(tokenizerJson(smollm, "[]"), null).get(GgufVocabulary.PRE)).string());
        String gpt2 = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}";
        assertEquals(
                "gpt-2",
                ((GgufValue.Text) convert(tokenizerJson(gpt2, "[]"), null).get(GgufVocabulary.PRE)).string());
        String llama3 = QWEN_PRE.replace("\\\\p{N}|", "\\\\p{N}{1,3}|");
        assertEquals(
                "llama-bpe",
                ((GgufValue.Text) convert(tokenizerJson(llama3, "[]"), null).get(GgufVocabulary.PRE)).string());
    }

    @Test
    void theReferenceFilesConvertToTheirGgufMetadata() {
        GgufFile llama = ReferenceVocabularies.ggufFile(ReferenceVocabularies.LLAMA3);
        assertEquals("llama-bpe", llama.string(GgufVocabulary.PRE));
        assertEquals(128256, llama.array(GgufVocabulary.TOKENS, GgufType.STRING).size());
        assertEquals(280147, llama.array(GgufVocabulary.MERGES, GgufType.STRING).size());
        GgufFile qwen = ReferenceVocabularies.ggufFile(ReferenceVocabularies.QWEN3);
        assertEquals("qwen2", qwen.string(GgufVocabulary.PRE));
        assertTrue(qwen.string(GgufVocabulary.CHAT_TEMPLATE).contains("<|im_start|>"));
    }

    @Test
    void badFilesAreRefused() {
        List<String> bad = List.of(
                "",
                "[]",
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}, \"pre_tokenizer\": "
                        + QWEN_PRE + "}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}, \"pre_tokenizer\": "
                        + QWEN_PRE + "}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"a\": 1}, \"merges\": []}}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 99999999999}, \"merges\": []}}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\"]]}}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}} trailing",
                "[".repeat(100),
                tokenizerJson(QWEN_PRE, "[]")
                        .replace("\"id\": 5, \"content\": \"<think>\"", "\"id\": 0, \"content\": \"<think>\""));
        for (String json : bad) {
            assertThrows(ModelFormatException.class, () -> convert(json, null), json);
        }
        assertThrows(
                ModelFormatException.class,
                () -> convert(tokenizerJson(QWEN_PRE, "[]"), "{\"eos_token\": \"<|not_there|>\"}"),
                "an EOS that is no token");
        assertThrows(
                ModelFormatException.class,
                () -> convert(tokenizerJson(QWEN_PRE, "[]"), "{\"add_bos_token\": \"yes\"}"),
                "add_bos_token not a boolean");
    }

    @Test
    void oversizedInputIsRefusedBeforeParsing() {
        byte[] huge = new byte[HuggingFaceTokenizerFile.MAX_FILE_BYTES + 1];
        assertThrows(ModelFormatException.class, () -> HuggingFaceTokenizerFile.ggufMetadata(huge, null, 0));
        String longString = "{\"model\": {\"type\": \"" + "x".repeat((1 << 20) + 1) + "\"}}";
        assertThrows(ModelFormatException.class, () -> convert(longString, null));
    }

    @Test
    void aModelVocabularyLargerThanTheTokenizersIsPadded() {
        Map<String, GgufValue> m = HuggingFaceTokenizerFile.ggufMetadata(
                tokenizerJson(QWEN_PRE, "[]").getBytes(StandardCharsets.UTF_8), null, 9);
        assertEquals(
                List.of("[PAD7]", "[PAD8]"), texts(m, GgufVocabulary.TOKENS).subList(7, 9));
    }
}
