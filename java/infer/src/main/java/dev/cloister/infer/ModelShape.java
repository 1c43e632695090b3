package dev.cloister.infer;

/**
 * The hyper-parameters of a Llama-family transformer, as a model file declares them.
 *
 * @param dim model width
 * @param hiddenDim width of the SwiGLU feed-forward layer
 * @param layers number of transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (fewer than {@code heads} for grouped-query attention)
 * @param vocabSize number of tokens, and of logits per position
 * @param maxSequenceLength the longest context the model was trained for
 */
public record ModelShape(
        int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int maxSequenceLength) {

    public ModelShape {
        if (dim <= 0
                || hiddenDim <= 0
                || layers <= 0
                || heads <= 0
                || kvHeads <= 0
                || vocabSize <= 0
                || maxSequenceLength <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive");
        }
        if (dim % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("dim must divide into heads, and heads into kv heads");
        }
    }

    public int headSize() {
        return dim / heads;
    }
}
