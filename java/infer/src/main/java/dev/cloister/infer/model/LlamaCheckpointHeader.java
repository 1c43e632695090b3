package dev.cloister.infer.model;

import dev.cloister.infer.ModelShape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 28-byte header of a llama2.c checkpoint ({@code model.bin}, "version 0" export): seven little-endian int32s
 * {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}; a negative vocab_size means the
 * classifier weights are stored separately from the token embedding.
 *
 * <p>The fp32 tensors follow in this order (shapes as [rows, columns], row-major):
 * token_embedding [vocab, dim]; rms_att [layers, dim]; wq [layers, dim, dim]; wk [layers, kvDim, dim];
 * wv [layers, kvDim, dim]; wo [layers, dim, dim]; rms_ffn [layers, dim]; w1 [layers, hidden, dim];
 * w2 [layers, dim, hidden]; w3 [layers, hidden, dim]; rms_final [dim]; freq_cis_real and freq_cis_imag
 * [seq_len, headSize / 2] each (unused); wcls [vocab, dim] only when not shared.
 *
 * @param shape the hyper-parameters
 * @param classifier whether the classifier reuses the token embedding or has its own weights
 */
public record LlamaCheckpointHeader(ModelShape shape, Classifier classifier) {

    /** Bytes of the header. */
    public static final int BYTES = 7 * Integer.BYTES;

    /** Where the output projection's weights are. */
    public enum Classifier {
        SHARED_WITH_EMBEDDING,
        SEPARATE
    }

    /** Largest dimension accepted from a file (a bound, not a model limit: it keeps size arithmetic in range). */
    private static final int MAX_DIMENSION = 1 << 20;

    public LlamaCheckpointHeader {
        if (shape == null || classifier == null) {
            throw new IllegalArgumentException("shape and classifier are required");
        }
    }

    /** Reads the header from the first {@link #BYTES} bytes; the buffer's position is left after it. */
    public static LlamaCheckpointHeader read(ByteBuffer buffer) {
        if (buffer.remaining() < BYTES) {
            throw new ModelFormatException("llama2.c checkpoint: header truncated (" + buffer.remaining() + " bytes)");
        }
        ByteBuffer in = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        int dim = in.getInt();
        int hidden = in.getInt();
        int layers = in.getInt();
        int heads = in.getInt();
        int kvHeads = in.getInt();
        int vocab = in.getInt();
        int seqLen = in.getInt();
        buffer.position(buffer.position() + BYTES);
        Classifier classifier = vocab < 0 ? Classifier.SEPARATE : Classifier.SHARED_WITH_EMBEDDING;
        int vocabSize = vocab == Integer.MIN_VALUE ? -1 : Math.abs(vocab);
        for (int value : new int[] {dim, hidden, layers, heads, kvHeads, vocabSize, seqLen}) {
            if (value <= 0 || value > MAX_DIMENSION) {
                throw new ModelFormatException("llama2.c checkpoint: header value " + value + " out of range");
            }
        }
        try {
            return new LlamaCheckpointHeader(
                    new ModelShape(dim, hidden, layers, heads, kvHeads, vocabSize, seqLen), classifier);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("llama2.c checkpoint: inconsistent header: " + e.getMessage(), e);
        }
    }

    /** Number of fp32 weights the file must hold after the header, including the two unused RoPE tables. */
    public long weightCount() {
        ModelShape s = shape;
        long dim = s.dim();
        long kvDim = (long) s.kvHeads() * s.headSize();
        long layers = s.layers();
        long count = (long) s.vocabSize() * dim;
        count += layers * dim; // rms_att
        count += layers * dim * dim; // wq
        count += 2 * layers * kvDim * dim; // wk, wv
        count += layers * dim * dim; // wo
        count += layers * dim; // rms_ffn
        count += 3 * layers * dim * s.hiddenDim(); // w1, w2, w3
        count += dim; // rms_final
        count += (long) s.maxSequenceLength() * s.headSize(); // freq_cis_real + freq_cis_imag
        if (classifier == Classifier.SEPARATE) {
            count += (long) s.vocabSize() * dim;
        }
        return count;
    }

    /** The file size this header implies. */
    public long fileSize() {
        return BYTES + weightCount() * Float.BYTES;
    }
}
