package dev.cloister.infer.model.testmodel;

import dev.cloister.infer.model.GgmlType;
import java.util.Arrays;
import java.util.Locale;

/**
 * A whole file's weight type ({@code general.file_type}, llama.cpp's {@code llama_ftype} numbers) and the type each
 * tensor gets in it, following llama.cpp's {@code llama-quant.cpp} for a dense, non-Falcon model without an importance
 * matrix:
 *
 * <ul>
 *   <li>vectors (norms, biases, {@code rope_freqs}) stay F32; F32/F16/BF16 files store every matrix in that type;
 *   <li>the classifier ({@code output.weight}, or {@code token_embd.weight} when the classifier is tied to it) is Q6_K
 *       in every quantized file but Q8_0, which keeps Q8_0, and Q8_0 when its rows are not whole blocks of the file's
 *       type;
 *   <li>Q4_K_M and Q5_K_M: {@code attn_v} and {@code ffn_down} of layer {@code i} of {@code n} are Q6_K when {@code i <
 *       n/8 || i >= 7n/8 || (i - n/8) % 3 == 2} (llama.cpp's {@code use_more_bits}), the default type otherwise;
 *   <li>a tensor whose rows are not whole blocks of its type falls back as llama.cpp does: Q4_K to Q5_0, Q5_K to Q5_1,
 *       Q6_K to Q8_0, and to F16 when even that does not fit (SmolLM2's 576-wide rows take this path).
 * </ul>
 *
 * Not modelled: llama.cpp's rules for Falcon, mixture-of-experts, 70B models and the Q2/Q3/IQ file types.
 */
public enum TestModelFileType {
    F32("f32", 0, GgmlType.F32),
    F16("f16", 1, GgmlType.F16),
    BF16("bf16", 32, GgmlType.BF16),
    Q8_0("q8_0", 7, GgmlType.Q8_0),
    Q4_0("q4_0", 2, GgmlType.Q4_0),
    Q4_K_M("q4_k_m", 15, GgmlType.Q4_K),
    Q5_K_S("q5_k_s", 16, GgmlType.Q5_K),
    Q5_K_M("q5_k_m", 17, GgmlType.Q5_K),
    Q6_K("q6_k", 18, GgmlType.Q6_K);

    private final String label;
    private final int fileType;
    private final GgmlType defaultType;

    TestModelFileType(String label, int fileType, GgmlType defaultType) {
        this.label = label;
        this.fileType = fileType;
        this.defaultType = defaultType;
    }

    public String label() {
        return label;
    }

    /** {@code general.file_type}. */
    public int fileType() {
        return fileType;
    }

    public GgmlType defaultType() {
        return defaultType;
    }

    public boolean quantized() {
        return defaultType != GgmlType.F32 && defaultType != GgmlType.F16 && defaultType != GgmlType.BF16;
    }

    /**
     * The type of a tensor in a file of this type.
     *
     * @param layer its layer ({@code blk.N}), or -1 outside the layers
     * @param layers the model's layer count
     * @param rowLength its innermost dimension
     * @param tiedOutput whether {@code token_embd.weight} is also the classifier
     */
    public GgmlType typeOf(TensorRole role, int layer, int layers, long rowLength, boolean tiedOutput) {
        if (!role.isMatrix()) {
            return GgmlType.F32;
        }
        if (!quantized()) {
            return defaultType;
        }
        GgmlType type = defaultType;
        if (role == TensorRole.OUTPUT || (tiedOutput && role == TensorRole.TOKEN_EMBEDDING)) {
            if (rowLength % defaultType.blockElements() != 0) {
                type = GgmlType.Q8_0;
            } else if (defaultType != GgmlType.Q8_0) {
                type = GgmlType.Q6_K;
            }
        } else if ((role == TensorRole.ATTENTION_V || role == TensorRole.FEED_FORWARD_DOWN)
                && (this == Q4_K_M || this == Q5_K_M)
                && useMoreBits(layer, layers)) {
            type = GgmlType.Q6_K;
        }
        if (rowLength % type.blockElements() != 0) {
            type = switch (type) {
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> GgmlType.F16;
            };
            if (rowLength % type.blockElements() != 0) {
                type = GgmlType.F16;
            }
        }
        return type;
    }

    /** llama.cpp's choice of the layers that get more bits: the first and last eighth, and every third between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    public static TestModelFileType of(String label) {
        for (TestModelFileType t : values()) {
            if (t.label.equals(label.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown weight type '" + label + "' (known: "
                + Arrays.stream(values()).map(TestModelFileType::label).toList() + ")");
    }
}
