package dev.cloister.infer.model.testmodel;

import java.util.List;
import java.util.Optional;

/**
 * The hyper-parameters of a test model. {@code smollm2-135m} and {@code llama3.2-1b} are those of the published models
 * (their Hugging Face {@code config.json}); {@code tiny} is small enough for CI yet has 256-wide rows, so that every
 * K-quant block type fits it. The vocabulary's size is not part of the shape: it is that of the vocabulary the model is
 * written with.
 *
 * @param name the name on the command line
 * @param embedding model width ({@code embedding_length})
 * @param feedForward SwiGLU width ({@code feed_forward_length})
 * @param layers transformer blocks ({@code block_count})
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param contextLength {@code context_length}
 * @param ropeTheta {@code rope.freq_base}
 * @param rmsEpsilon {@code attention.layer_norm_rms_epsilon}
 * @param output whether the classifier is its own tensor or the token embedding
 * @param ropeScaling Llama 3 rope scaling, written only for architectures that read it
 */
public record TestModelShape(
        String name,
        int embedding,
        int feedForward,
        int layers,
        int heads,
        int kvHeads,
        int contextLength,
        float ropeTheta,
        float rmsEpsilon,
        OutputHead output,
        Optional<Llama3RopeScaling> ropeScaling) {

    /** Where the classifier's weights come from. */
    public enum OutputHead {
        /** {@code output.weight} exists. */
        SEPARATE,
        /** No {@code output.weight}: the classifier is {@code token_embd.weight}. */
        TIED
    }

    public static final List<String> NAMES = List.of("tiny", "smollm2-135m", "llama3.2-1b");

    public TestModelShape {
        if (embedding <= 0
                || feedForward <= 0
                || layers <= 0
                || heads <= 0
                || kvHeads <= 0
                || contextLength <= 0
                || embedding % heads != 0
                || heads % kvHeads != 0
                || (embedding / heads) % 2 != 0) {
            throw new IllegalArgumentException("inconsistent shape " + name);
        }
    }

    public int headSize() {
        return embedding / heads;
    }

    /**
     * A shape by name, for an architecture: {@code tiny} takes its rope base, epsilon and classifier from the
     * architecture's family (Llama 3 8B: 500000, 1e-5, separate, Llama 3 rope scaling; Qwen2.5-0.5B: 1e6, 1e-6, tied;
     * Qwen3-8B: 1e6, 1e-6, separate). The published shapes keep their own values.
     */
    public static TestModelShape of(String name, TestModelArchitecture architecture) {
        return switch (name) {
            case "tiny" ->
                switch (architecture) {
                    case LLAMA3 ->
                        new TestModelShape(
                                name,
                                256,
                                768,
                                4,
                                4,
                                2,
                                512,
                                500000f,
                                1e-5f,
                                OutputHead.SEPARATE,
                                Optional.of(Llama3RopeScaling.LLAMA_3_2));
                    case QWEN2 ->
                        new TestModelShape(
                                name, 256, 768, 4, 4, 2, 512, 1e6f, 1e-6f, OutputHead.TIED, Optional.empty());
                    case QWEN3 ->
                        new TestModelShape(
                                name, 256, 768, 4, 4, 2, 512, 1e6f, 1e-6f, OutputHead.SEPARATE, Optional.empty());
                };
            // HuggingFaceTB/SmolLM2-135M: LlamaForCausalLM, hidden 576, 30 layers, 9 heads, 3 KV heads, ffn 1536
            case "smollm2-135m" ->
                new TestModelShape(name, 576, 1536, 30, 9, 3, 8192, 100000f, 1e-5f, OutputHead.TIED, Optional.empty());
            // meta-llama/Llama-3.2-1B: hidden 2048, 16 layers, 32 heads, 8 KV heads, ffn 8192, rope_scaling llama3
            case "llama3.2-1b" ->
                new TestModelShape(
                        name,
                        2048,
                        8192,
                        16,
                        32,
                        8,
                        131072,
                        500000f,
                        1e-5f,
                        OutputHead.TIED,
                        Optional.of(Llama3RopeScaling.LLAMA_3_2));
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' (known: " + NAMES + ")");
        };
    }
}
