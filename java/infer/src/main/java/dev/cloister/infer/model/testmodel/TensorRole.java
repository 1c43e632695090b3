package dev.cloister.infer.model.testmodel;

/** What a tensor of a Llama-family model is for: decides its initial values and, in a quantized file, its type. */
public enum TensorRole {
    TOKEN_EMBEDDING,
    ATTENTION_NORM,
    ATTENTION_Q,
    ATTENTION_K,
    ATTENTION_V,
    ATTENTION_Q_BIAS,
    ATTENTION_K_BIAS,
    ATTENTION_V_BIAS,
    ATTENTION_Q_NORM,
    ATTENTION_K_NORM,
    ATTENTION_OUTPUT,
    FEED_FORWARD_NORM,
    FEED_FORWARD_GATE,
    FEED_FORWARD_UP,
    FEED_FORWARD_DOWN,
    OUTPUT_NORM,
    OUTPUT,
    ROPE_FREQUENCIES;

    /** Matrices are quantized; vectors (norms, biases, rope divisors) stay F32, as llama.cpp keeps them. */
    public boolean isMatrix() {
        return switch (this) {
            case TOKEN_EMBEDDING,
                    ATTENTION_Q,
                    ATTENTION_K,
                    ATTENTION_V,
                    ATTENTION_OUTPUT,
                    FEED_FORWARD_GATE,
                    FEED_FORWARD_UP,
                    FEED_FORWARD_DOWN,
                    OUTPUT -> true;
            default -> false;
        };
    }

    public boolean isNorm() {
        return switch (this) {
            case ATTENTION_NORM, ATTENTION_Q_NORM, ATTENTION_K_NORM, FEED_FORWARD_NORM, OUTPUT_NORM -> true;
            default -> false;
        };
    }
}
