package dev.cloister.infer.model.testmodel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.model.GgmlType;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufTensorData;
import dev.cloister.infer.model.GgufTensorInfo;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestModelWriterTest {

    @TempDir
    Path dir;

    private static Map<String, GgufValue> tok512() {
        return TestModels.tok512Vocabulary();
    }

    @Test
    void writesATinyLlama3ThatReadsBackWithItsShapeAndScales() throws IOException {
        Path out = dir.resolve("tiny.gguf");
        TestModelSpec spec = TestModelSpec.of("llama3", "tiny", "f32", 1);
        GgufFile written = TestModelWriter.write(spec, tok512(), out);
        GgufFile read = GgufFile.open(out);
        assertEquals(written.tensors(), read.tensors());
        assertEquals("llama", read.string("general.architecture"));
        assertEquals(
                new GgufValue.Whole(GgufType.UINT32, 256),
                read.get("llama.embedding_length").orElseThrow());
        assertEquals(
                new GgufValue.Whole(GgufType.UINT32, 512),
                read.get("llama.vocab_size").orElseThrow());
        assertEquals(
                new GgufValue.Real(GgufType.FLOAT32, 500000f),
                read.get("llama.rope.freq_base").orElseThrow());
        assertEquals("llama", read.string("tokenizer.ggml.model"));
        // token_embd, rope_freqs, 9 per layer, output_norm, output
        assertEquals(2 + 4 * 9 + 2, read.tensors().size());
        assertEquals(
                Files.size(out),
                read.dataOffset() + last(read).offset() + last(read).byteSize());
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(out));
        float[] embedding = values(read, file, "token_embd.weight");
        assertEquals(0.0, mean(embedding), 0.001);
        assertEquals(0.02, deviation(embedding), 0.0005);
        float[] norm = values(read, file, "blk.2.ffn_norm.weight");
        assertEquals(1.0, mean(norm), 0.01);
        assertEquals(0.05, deviation(norm), 0.01);
        float[] divisors = values(read, file, "rope_freqs.weight");
        assertEquals(32, divisors.length);
        assertEquals(1f, divisors[0], "high frequencies are kept");
        assertEquals(32f, divisors[31], "low frequencies are divided by the factor");
        assertTrue(divisors[16] > 1f && divisors[16] < 32f, "the band between is interpolated: " + divisors[16]);
    }

    @Test
    void theBytesAreAFunctionOfTheSpecAlone() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        TestModelWriter.write(TestModelSpec.of("qwen3", "tiny", "q4_k_m", 5), tok512(), a);
        TestModelWriter.write(TestModelSpec.of("qwen3", "tiny", "q4_k_m", 5), tok512(), b);
        TestModelWriter.write(TestModelSpec.of("qwen3", "tiny", "q4_k_m", 6), tok512(), c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @Test
    void architecturesHaveTheirOwnTensors() {
        List<String> qwen2 = names(TestModelSpec.of("qwen2", "tiny", "f16", 1));
        assertTrue(qwen2.contains("blk.0.attn_q.bias") && qwen2.contains("blk.3.attn_v.bias"));
        assertFalse(qwen2.contains("output.weight"), "tiny qwen2 ties its classifier to the embedding");
        assertFalse(qwen2.contains("rope_freqs.weight"));
        List<String> qwen3 = names(TestModelSpec.of("qwen3", "tiny", "f16", 1));
        assertTrue(qwen3.contains("blk.1.attn_q_norm.weight") && qwen3.contains("blk.1.attn_k_norm.weight"));
        assertFalse(qwen3.contains("blk.1.attn_q.bias"));
        assertTrue(qwen3.contains("output.weight"));
        assertFalse(names(TestModelSpec.of("qwen2", "llama3.2-1b", "f16", 1)).contains("rope_freqs.weight"));
        assertTrue(names(TestModelSpec.of("llama3", "llama3.2-1b", "f16", 1)).contains("rope_freqs.weight"));
        assertFalse(names(TestModelSpec.of("llama3", "smollm2-135m", "f16", 1)).contains("rope_freqs.weight"));
    }

    /**
     * Llama-3.2-1B in Q4_K_M as llama.cpp mixes it: Q6_K for the tied embedding (the classifier) and for attn_v and
     * ffn_down of layers 0, 1, 4, 7, 10, 13, 14, 15; Q4_K for the other matrices; F32 vectors.
     */
    @Test
    void q4KMediumMixesAsLlamaCppDoes() {
        Map<String, GgmlType> types = types(TestModelSpec.of("llama3", "llama3.2-1b", "q4_k_m", 1), 128256);
        assertEquals(GgmlType.Q6_K, types.get("token_embd.weight"));
        for (int l = 0; l < 16; l++) {
            GgmlType more = List.of(0, 1, 4, 7, 10, 13, 14, 15).contains(l) ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(more, types.get("blk." + l + ".attn_v.weight"), "attn_v " + l);
            assertEquals(more, types.get("blk." + l + ".ffn_down.weight"), "ffn_down " + l);
            assertEquals(GgmlType.Q4_K, types.get("blk." + l + ".attn_q.weight"));
            assertEquals(GgmlType.Q4_K, types.get("blk." + l + ".ffn_up.weight"));
            assertEquals(GgmlType.F32, types.get("blk." + l + ".attn_norm.weight"));
        }
        assertEquals(GgmlType.F32, types.get("rope_freqs.weight"));
        Map<GgmlType, Integer> counts = counts(types);
        assertEquals(Map.of(GgmlType.F32, 34, GgmlType.Q4_K, 96, GgmlType.Q6_K, 17), counts);
    }

    /**
     * SmolLM2-135M's 576-wide rows are not whole 256-blocks: llama.cpp falls back to Q5_0 for Q4_K, to Q8_0 for Q6_K
     * (and the tied classifier), while ffn_down (1536-wide rows) keeps its K-quants.
     */
    @Test
    void rowsThatAreNotWholeSuperBlocksFallBack() {
        Map<String, GgmlType> types = types(TestModelSpec.of("llama3", "smollm2-135m", "q4_k_m", 1), 49152);
        assertEquals(GgmlType.Q8_0, types.get("token_embd.weight"));
        assertEquals(GgmlType.Q5_0, types.get("blk.5.attn_q.weight"));
        assertEquals(GgmlType.Q8_0, types.get("blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q5_0, types.get("blk.6.attn_v.weight"));
        assertEquals(GgmlType.Q8_0, types.get("blk.5.attn_v.weight"), "(5 - 30/8) % 3 == 2: more bits");
        assertEquals(GgmlType.Q6_K, types.get("blk.0.ffn_down.weight"));
        assertEquals(GgmlType.Q4_K, types.get("blk.6.ffn_down.weight"));
        assertEquals(GgmlType.Q5_0, types.get("blk.5.attn_output.weight"));
        Map<String, GgmlType> q5 = types(TestModelSpec.of("llama3", "smollm2-135m", "q5_k_s", 1), 49152);
        assertEquals(GgmlType.Q5_1, q5.get("blk.5.attn_q.weight"));
        Map<String, GgmlType> q8 = types(TestModelSpec.of("qwen2", "tiny", "q8_0", 1), 512);
        assertEquals(GgmlType.Q8_0, q8.get("token_embd.weight"), "a Q8_0 file keeps its classifier in Q8_0");
        Map<String, GgmlType> q4 = types(TestModelSpec.of("qwen3", "tiny", "q4_0", 1), 512);
        assertEquals(GgmlType.Q6_K, q4.get("output.weight"));
        assertEquals(GgmlType.Q4_0, q4.get("token_embd.weight"));
    }

    @Test
    void badSpecsAndVocabulariesAreRefused() {
        assertEquals(
                "unknown architecture 'gpt2' (known: [llama3, qwen2, qwen3])",
                assertThrows(IllegalArgumentException.class, () -> TestModelSpec.of("gpt2", "tiny", "f32", 1))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> TestModelSpec.of("llama3", "huge", "f32", 1));
        assertThrows(IllegalArgumentException.class, () -> TestModelSpec.of("llama3", "tiny", "q3_k", 1));
        TestModelSpec spec = TestModelSpec.of("llama3", "tiny", "f32", 1);
        Map<String, GgufValue> foreign = new LinkedHashMap<>(tok512());
        foreign.put("general.name", GgufValue.Text.of("x"));
        assertEquals(
                "vocabulary metadata holds 'general.name', not a tokenizer.* key",
                assertThrows(ModelFormatException.class, () -> TestModelWriter.header(spec, foreign))
                        .getMessage());
        Map<String, GgufValue> noTokens = new LinkedHashMap<>(tok512());
        noTokens.remove("tokenizer.ggml.tokens");
        assertThrows(ModelFormatException.class, () -> TestModelWriter.write(spec, noTokens, dir.resolve("x.gguf")));
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }

    @Test
    void theVocabularyIsCopiedFromAnotherFile() {
        Path first = dir.resolve("first.gguf");
        TestModelWriter.write(TestModelSpec.of("qwen2", "tiny", "f16", 1), tok512(), first);
        Map<String, GgufValue> copied = TestModelWriter.vocabularyOf(GgufFile.open(first));
        assertEquals(tok512(), copied);
        assertEquals(List.copyOf(tok512().keySet()), List.copyOf(copied.keySet()));
    }

    private static List<String> names(TestModelSpec spec) {
        return TestModelWriter.plan(spec, 512).stream()
                .map(TestModelWriter.PlannedTensor::name)
                .toList();
    }

    private static Map<String, GgmlType> types(TestModelSpec spec, int vocabulary) {
        Map<String, GgmlType> types = new LinkedHashMap<>();
        for (TestModelWriter.PlannedTensor t : TestModelWriter.plan(spec, vocabulary)) {
            types.put(t.name(), t.type());
        }
        return types;
    }

    private static Map<GgmlType, Integer> counts(Map<String, GgmlType> types) {
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        types.values().forEach(t -> counts.merge(t, 1, Integer::sum));
        return counts;
    }

    private static GgufTensorInfo last(GgufFile file) {
        return file.tensors().getLast();
    }

    private static float[] values(GgufFile gguf, ByteBuffer file, String name) {
        GgufTensorInfo tensor = gguf.tensors().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
        float[] out = new float[(int) tensor.elements()];
        GgufTensorData.toFloats(gguf, file, tensor, out, 0);
        return out;
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float v : values) sum += v;
        return sum / values.length;
    }

    private static double deviation(float[] values) {
        double mean = mean(values);
        double sum = 0;
        for (float v : values) sum += (v - mean) * (v - mean);
        return Math.sqrt(sum / values.length);
    }
}
