package dev.cloister.infer.model.testmodel;

import java.util.Arrays;
import java.util.Locale;

/**
 * The architectures a test model can have, as llama.cpp names and builds them ({@code general.architecture}).
 *
 * <ul>
 *   <li>{@code llama3}: GGUF's {@code llama} (RMSNorm, rotary embedding on adjacent pairs, grouped-query attention,
 *       SwiGLU), with Llama 3's {@code rope.freq_base} and, where the shape has it, Llama 3's rope scaling as the
 *       {@code rope_freqs.weight} tensor of per-frequency divisors (how llama.cpp's converter writes it).
 *   <li>{@code qwen2}: Qwen 2 / 2.5: the same blocks with biases on the query, key and value projections, and the
 *       rotary embedding on the two halves of each head (llama.cpp's NEOX layout).
 *   <li>{@code qwen3}: Qwen 3: no biases, an RMSNorm over each query and key head before the rotary embedding (NEOX).
 * </ul>
 */
public enum TestModelArchitecture {
    LLAMA3("llama3", "llama", false, false),
    QWEN2("qwen2", "qwen2", true, false),
    QWEN3("qwen3", "qwen3", false, true);

    private final String label;
    private final String ggufName;
    private final boolean attentionBiases;
    private final boolean queryKeyNorms;

    TestModelArchitecture(String label, String ggufName, boolean attentionBiases, boolean queryKeyNorms) {
        this.label = label;
        this.ggufName = ggufName;
        this.attentionBiases = attentionBiases;
        this.queryKeyNorms = queryKeyNorms;
    }

    /** The name on the command line. */
    public String label() {
        return label;
    }

    /** {@code general.architecture}, and the prefix of the architecture's metadata keys. */
    public String ggufName() {
        return ggufName;
    }

    /** Whether {@code blk.N.attn_{q,k,v}.bias} exist. */
    public boolean attentionBiases() {
        return attentionBiases;
    }

    /** Whether {@code blk.N.attn_{q,k}_norm.weight} exist. */
    public boolean queryKeyNorms() {
        return queryKeyNorms;
    }

    /** Whether the architecture reads {@code rope_freqs.weight} (llama.cpp's {@code llama} does, Qwen's do not). */
    public boolean ropeFrequencyFactors() {
        return this == LLAMA3;
    }

    public static TestModelArchitecture of(String label) {
        for (TestModelArchitecture a : values()) {
            if (a.label.equals(label.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + label + "' (known: "
                + Arrays.stream(values()).map(TestModelArchitecture::label).toList() + ")");
    }
}
