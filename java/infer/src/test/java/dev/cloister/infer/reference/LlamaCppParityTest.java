package dev.cloister.infer.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.testmodel.TestModelSpec;
import dev.cloister.infer.model.testmodel.TestModelWriter;
import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java reference forward pass against llama.cpp, the de facto implementation of GGUF, on the tiny test models of
 * each architecture (llama3 with Llama 3 rope scaling, qwen2 with biases and a tied classifier, qwen3 with query/key
 * norms). The models are regenerated here by {@link TestModelWriter} (seed 1, tok512's vocabulary) and must have the
 * SHA-256 of the files llama.cpp ran; llama.cpp's logits and greedy tokens are the fixtures in
 * testdata/vectors/llama-cpp-models/logits (native/reference/llama-logits/make-fixtures.sh). llama.cpp ran with F32
 * keys and values and without flash attention, so that its only rounding beyond fp32 arithmetic is its own: the
 * activations it quantizes to 8 bits (Q8_0 blocks of 32, or Q8_K blocks of 256 for K-quant weights) before each product
 * with quantized weights.
 *
 * <p>The error of a prompt's logits is {@code max|java - llama.cpp| / max|llama.cpp|} over the vocabulary (relative to
 * the largest logit, so that logits near zero do not make the ratio meaningless).
 */
class LlamaCppParityTest {

    /** F32 weights: both sides compute in fp32, only the order of the sums differs. */
    private static final double F32_TOLERANCE = 1e-4;

    /**
     * Quantized weights: llama.cpp multiplies them by activations it first rounds to 8 bits per block (Q8_0 blocks of
     * 32 for Q8_0 weights, Q8_K blocks of 256 for K-quants), the Java reference by exact fp32 activations. Measured
     * worst logits errors over the four prompts: Q8_0 llama3 1.19e-2, qwen2 1.45e-2, qwen3 1.45e-2; Q4_K_M llama3
     * 1.88e-2, qwen2 2.18e-2, qwen3 1.85e-2. The tolerances are about twice those. That the rounding explains them:
     * with the rounding emulated ({@link ReferenceTransformer.Arithmetic#LLAMA_CPP}) the qwen2 model agrees to 1e-6
     * on every prompt shorter than 32 tokens (see {@link #withLlamaCppsRoundingQwen2AgreesToFloatPrecision}). A wrong
     * block layout, scale or tensor type gives errors of order 1.
     */
    private static final double Q8_0_TOLERANCE = 3e-2;

    private static final double Q4_K_M_TOLERANCE = 4e-2;

    /**
     * Free-running greedy decoding follows llama.cpp for at least this many steps on every prompt (measured fewest: 13,
     * qwen3 in both types; random weights give near-uniform logits whose top two are often closer than the rounding
     * error, after which the two continuations part).
     */
    private static final int QUANTIZED_GREEDY_STEPS = 13;

    private static final int STEPS = 64;

    @TempDir
    static Path models;

    private static Map<String, GgufValue> vocabulary;
    private static Map<String, String> digests;

    @BeforeAll
    static void vocabulary() throws IOException {
        vocabulary = dev.cloister.infer.TestModels.tok512Vocabulary();
        digests = new java.util.HashMap<>();
        for (String line : Files.readAllLines(fixtures().resolve("models.sha256"))) {
            String[] parts = line.trim().split("\\s+");
            digests.put(parts[1], parts[0]);
        }
    }

    private static Path fixtures() {
        return Vectors.dir("llama-cpp-models").resolve("logits");
    }

    @Test
    void f32LogitsAndGreedyTokensMatchLlamaCpp() throws Exception {
        for (String arch : List.of("llama3", "qwen2", "qwen3")) {
            Result result =
                    compare(arch, "f32", ReferenceTransformer.Arithmetic.FP32, Integer.MAX_VALUE, F32_TOLERANCE);
            assertTrue(result.worstError() < F32_TOLERANCE, arch + " f32: logits error " + result.worstError());
            assertEquals(STEPS, result.fewestMatchingSteps(), arch + " f32: greedy tokens differ");
        }
    }

    @Test
    void q8_0LogitsAndGreedyTokensMatchLlamaCpp() throws Exception {
        quantized("q8_0", Q8_0_TOLERANCE);
    }

    @Test
    void q4KMediumLogitsAndGreedyTokensMatchLlamaCpp() throws Exception {
        quantized("q4_k_m", Q4_K_M_TOLERANCE);
    }

    /**
     * With llama.cpp's rounding of the activations emulated, the tied-classifier qwen2 model in Q8_0 and Q4_K_M agrees
     * with llama.cpp to float precision on the prompts shorter than 32 tokens (longer batches take another llama.cpp
     * kernel, whose rounding is not emulated): the dequantized weights, and so each tensor's type and bytes, are what
     * llama.cpp multiplies by.
     */
    @Test
    void withLlamaCppsRoundingQwen2AgreesToFloatPrecision() throws Exception {
        for (String type : List.of("q8_0", "q4_k_m")) {
            Result result = compare("qwen2", type, ReferenceTransformer.Arithmetic.LLAMA_CPP, 32, 1e-5);
            assertTrue(result.worstError() < 1e-5, "qwen2 " + type + ": logits error " + result.worstError());
            assertEquals(STEPS, result.fewestMatchingSteps(), "qwen2 " + type);
        }
    }

    private static void quantized(String type, double tolerance) throws Exception {
        for (String arch : List.of("llama3", "qwen2", "qwen3")) {
            Result result = compare(arch, type, ReferenceTransformer.Arithmetic.FP32, Integer.MAX_VALUE, tolerance);
            assertTrue(result.worstError() < tolerance, arch + " " + type + ": logits error " + result.worstError());
            assertTrue(
                    result.fewestMatchingSteps() >= QUANTIZED_GREEDY_STEPS,
                    arch + " " + type + ": greedy tokens differ after " + result.fewestMatchingSteps() + " steps");
            assertEquals(
                    0,
                    result.decisiveDisagreements(),
                    arch + " " + type + ": fed llama.cpp's tokens, a clear choice (top two logits further apart than"
                            + " twice the tolerance of the largest logit) differed from llama.cpp's");
        }
    }

    /**
     * The worst logits error over the prompts, the fewest free-running greedy steps that matched llama.cpp's, and the
     * steps where, fed llama.cpp's own tokens, the reference's clear choice (top two logits further apart than twice
     * the tolerance of the largest logit, more than the error can move them) was not llama.cpp's token.
     */
    record Result(double worstError, int fewestMatchingSteps, int decisiveDisagreements) {}

    @SuppressWarnings("unchecked")
    private static Result compare(
            String arch, String type, ReferenceTransformer.Arithmetic arithmetic, int shorterThan, double tolerance)
            throws Exception {
        String name = arch + "-tiny-" + type;
        Path model = models.resolve(name + ".gguf");
        TestModelWriter.write(TestModelSpec.of(arch, "tiny", type, 1), vocabulary, model);
        assertEquals(digests.get(name + ".gguf"), sha256(model), name + ": not the model llama.cpp ran");
        Map<String, Object> index = Json.object(Files.readString(fixtures().resolve(name + ".json")));
        FloatBuffer expectedLogits = ByteBuffer.wrap(
                        Files.readAllBytes(fixtures().resolve(name + ".logits.bin")))
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        double worst = 0;
        int fewest = STEPS;
        int decisive = 0;
        try (ReferenceTransformer reference = ReferenceTransformer.loadGguf(model, 1, arithmetic)) {
            int vocab = reference.shape().vocabSize();
            assertEquals(((Number) index.get("vocabulary")).intValue(), vocab);
            for (Object entry : (List<Object>) index.get("prompts")) {
                Map<String, Object> prompt = (Map<String, Object>) entry;
                int[] tokens = ints((List<Object>) prompt.get("tokens"));
                int[] greedy = ints((List<Object>) prompt.get("greedy"));
                int row = ((Number) prompt.get("logits")).intValue();
                if (tokens.length >= shorterThan) {
                    continue;
                }
                float[] expected = new float[vocab];
                expectedLogits.get(row * vocab, expected);
                int seq = reference.openSequence();
                float[] logits = new float[vocab];
                reference.prefill(seq, tokens, 0, tokens.length, logits);
                worst = Math.max(worst, error(logits, expected));
                int matching = 0;
                boolean same = true;
                for (int step = 0; step < STEPS; step++) {
                    int next = argmax(logits);
                    same &= next == greedy[step];
                    matching += same ? 1 : 0;
                    if (step + 1 < STEPS) {
                        reference.decode(new int[] {seq}, new int[] {next}, 1, logits);
                    }
                }
                fewest = Math.min(fewest, matching);
                reference.closeSequence(seq);
                decisive += teacherForced(reference, tokens, greedy, tolerance);
            }
        }
        return new Result(worst, fewest, decisive);
    }

    /** Feeds llama.cpp's greedy tokens; counts the steps where the reference clearly preferred another token. */
    private static int teacherForced(ReferenceTransformer reference, int[] prompt, int[] greedy, double tolerance) {
        int vocab = reference.shape().vocabSize();
        float[] logits = new float[vocab];
        int seq = reference.openSequence();
        reference.prefill(seq, prompt, 0, prompt.length, logits);
        int disagreements = 0;
        for (int step = 0; step < STEPS; step++) {
            int best = argmax(logits);
            float scale = 0f;
            float second = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                scale = Math.max(scale, Math.abs(logits[i]));
                if (i != best) second = Math.max(second, logits[i]);
            }
            if (best != greedy[step] && logits[best] - second > 2 * tolerance * scale) {
                disagreements++;
            }
            if (step + 1 < STEPS) {
                reference.decode(new int[] {seq}, new int[] {greedy[step]}, 1, logits);
            }
        }
        reference.closeSequence(seq);
        return disagreements;
    }

    private static double error(float[] actual, float[] expected) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        return worst / scale;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] ints(List<Object> values) {
        return values.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
