package dev.cloister.infer.reference;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufTensorData;
import dev.cloister.infer.model.GgufTensorInfo;
import dev.cloister.infer.model.LlamaCheckpointHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A plain, slow, fp32 Llama forward pass, written from the architecture to check faster engines against: RMSNorm,
 * rotary position embeddings (adjacent pairs rotated, as llama2.c does), grouped-query attention, a SwiGLU
 * feed-forward layer, and a classifier that may share the token embedding. Reads llama2.c checkpoints. Every
 * sequence has its own dense KV cache; closing it zeroes the cache.
 */
public final class ReferenceTransformer implements InferenceEngine {

    private final ModelShape shape;
    private final int maxSequences;
    private final int kvDim;
    private final int headSize;

    // weights, as offsets into one array (shapes as [rows, columns])
    private float[] w;
    private final int tokenEmbedding; // [vocab, dim]
    private final int rmsAttention; // [layers, dim]
    private final int wq; // [layers, dim, dim]
    private final int wk; // [layers, kvDim, dim]
    private final int wv; // [layers, kvDim, dim]
    private final int wo; // [layers, dim, dim]
    private final int rmsFeedForward; // [layers, dim]
    private final int w1; // [layers, hidden, dim]
    private final int w2; // [layers, dim, hidden]
    private final int w3; // [layers, hidden, dim]
    private final int rmsFinal; // [dim]
    private final int classifier; // [vocab, dim]

    /** Per open sequence: keys and values [layers][position * kvDim + ...]; null for a free slot. */
    private final Sequence[] sequences;

    private static final class Sequence {
        final float[][] keys;
        final float[][] values;
        int position;

        Sequence(int layers, int size) {
            keys = new float[layers][size];
            values = new float[layers][size];
        }

        void zero() {
            for (float[] layer : keys) {
                Arrays.fill(layer, 0f);
            }
            for (float[] layer : values) {
                Arrays.fill(layer, 0f);
            }
            position = 0;
        }
    }

    private ReferenceTransformer(LlamaCheckpointHeader header, float[] weights, int maxSequences) {
        this.shape = header.shape();
        this.maxSequences = maxSequences;
        this.headSize = shape.headSize();
        this.kvDim = shape.kvHeads() * headSize;
        this.w = weights;
        int dim = shape.dim();
        int layers = shape.layers();
        int hidden = shape.hiddenDim();
        int at = 0;
        tokenEmbedding = at;
        at += shape.vocabSize() * dim;
        rmsAttention = at;
        at += layers * dim;
        wq = at;
        at += layers * dim * dim;
        wk = at;
        at += layers * kvDim * dim;
        wv = at;
        at += layers * kvDim * dim;
        wo = at;
        at += layers * dim * dim;
        rmsFeedForward = at;
        at += layers * dim;
        w1 = at;
        at += layers * hidden * dim;
        w2 = at;
        at += layers * dim * hidden;
        w3 = at;
        at += layers * hidden * dim;
        rmsFinal = at;
        at += dim;
        at += shape.maxSequenceLength() * headSize; // freq_cis_real and freq_cis_imag: unused
        classifier =
                header.classifier() == LlamaCheckpointHeader.Classifier.SHARED_WITH_EMBEDDING ? tokenEmbedding : at;
        this.sequences = new Sequence[maxSequences];
    }

    /** Loads a llama2.c checkpoint (whose size must match its header exactly). */
    public static ReferenceTransformer load(Path checkpoint, int maxSequences) {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be positive");
        }
        try (FileChannel channel = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            LlamaCheckpointHeader header = LlamaCheckpointHeader.read(map);
            if (header.fileSize() != size || header.weightCount() > Integer.MAX_VALUE - 8) {
                throw new InferenceException(
                        "checkpoint of " + size + " bytes, its header implies " + header.fileSize());
            }
            float[] weights = new float[(int) header.weightCount()];
            map.position(LlamaCheckpointHeader.BYTES);
            map.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(weights);
            return new ReferenceTransformer(header, weights, maxSequences);
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoint " + checkpoint.getFileName(), e);
        }
    }

    /**
     * Loads a GGUF Llama model (F32, F16, BF16 or Q8_0 tensors, dequantized to fp32) by laying its tensors out in
     * llama2.c's order.
     */
    public static ReferenceTransformer loadGguf(Path file, int maxSequences) {
        GgufFile gguf = GgufFile.open(file);
        ModelShape shape = new ModelShape(
                u32(gguf, "llama.embedding_length"),
                u32(gguf, "llama.feed_forward_length"),
                u32(gguf, "llama.block_count"),
                u32(gguf, "llama.attention.head_count"),
                u32(gguf, "llama.attention.head_count_kv"),
                gguf.array("tokenizer.ggml.tokens", dev.cloister.infer.model.GgufType.STRING)
                        .size(),
                u32(gguf, "llama.context_length"));
        java.util.Map<String, GgufTensorInfo> tensors = new java.util.HashMap<>();
        for (GgufTensorInfo tensor : gguf.tensors()) {
            tensors.put(tensor.name(), tensor);
        }
        LlamaCheckpointHeader header = new LlamaCheckpointHeader(
                shape,
                tensors.containsKey("output.weight")
                        ? LlamaCheckpointHeader.Classifier.SEPARATE
                        : LlamaCheckpointHeader.Classifier.SHARED_WITH_EMBEDDING);
        float[] weights = new float[(int) header.weightCount()];
        java.util.List<String> order = new java.util.ArrayList<>();
        order.add("token_embd.weight");
        for (String part : new String[] {
            "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_down", "ffn_up"
        }) {
            for (int l = 0; l < shape.layers(); l++) {
                order.add("blk." + l + "." + part + ".weight");
            }
        }
        order.add("output_norm.weight");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            int at = 0;
            for (String name : order) {
                GgufTensorInfo tensor = java.util.Objects.requireNonNull(tensors.get(name), name);
                GgufTensorData.toFloats(gguf, map, tensor, weights, at);
                at += (int) tensor.elements();
            }
            at += shape.maxSequenceLength() * shape.headSize(); // llama2.c's unused RoPE tables
            if (header.classifier() == LlamaCheckpointHeader.Classifier.SEPARATE) {
                GgufTensorData.toFloats(gguf, map, tensors.get("output.weight"), weights, at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file.getFileName(), e);
        }
        return new ReferenceTransformer(header, weights, maxSequences);
    }

    private static int u32(GgufFile gguf, String key) {
        return (int) ((dev.cloister.infer.model.GgufValue.Whole) gguf.get(key).orElseThrow()).value();
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public int maxSequences() {
        return maxSequences;
    }

    @Override
    public int openSequence() {
        loaded();
        for (int slot = 0; slot < sequences.length; slot++) {
            if (sequences[slot] == null) {
                sequences[slot] = new Sequence(shape.layers(), shape.maxSequenceLength() * kvDim);
                return slot;
            }
        }
        throw new InferenceException("all " + maxSequences + " sequences are open");
    }

    @Override
    public int position(int sequence) {
        return open(sequence).position;
    }

    @Override
    public void prefill(int sequence, int[] tokens, int offset, int count, float[] logits) {
        Sequence s = open(sequence);
        if (count < 1 || offset < 0 || offset > tokens.length - count) {
            throw new InferenceException("prefill of " + count + " tokens at " + offset + " outside " + tokens.length);
        }
        if (logits.length < shape.vocabSize()) {
            throw new InferenceException("logits buffer too small");
        }
        if (s.position + count > shape.maxSequenceLength()) {
            throw new InferenceException("prefill past the context length " + shape.maxSequenceLength());
        }
        for (int i = 0; i < count; i++) {
            checkToken(tokens[offset + i]);
        }
        for (int i = 0; i < count; i++) {
            forward(s, tokens[offset + i], i == count - 1 ? logits : null, 0);
        }
    }

    @Override
    public void decode(int[] sequenceIds, int[] tokens, int batch, float[] logits) {
        if (batch < 1 || batch > sequenceIds.length || batch > tokens.length) {
            throw new InferenceException("decode batch " + batch + " larger than its arrays");
        }
        if (logits.length < (long) batch * shape.vocabSize()) {
            throw new InferenceException("logits buffer too small for batch " + batch);
        }
        for (int i = 0; i < batch; i++) {
            Sequence s = open(sequenceIds[i]);
            checkToken(tokens[i]);
            if (s.position >= shape.maxSequenceLength()) {
                throw new InferenceException("decode past the context length " + shape.maxSequenceLength());
            }
            for (int j = 0; j < i; j++) {
                if (sequenceIds[j] == sequenceIds[i]) {
                    throw new InferenceException("sequence " + sequenceIds[i] + " twice in one decode batch");
                }
            }
        }
        for (int i = 0; i < batch; i++) {
            forward(sequences[sequenceIds[i]], tokens[i], logits, i * shape.vocabSize());
        }
    }

    @Override
    public void closeSequence(int sequence) {
        Sequence s = open(sequence);
        s.zero();
        sequences[sequence] = null;
    }

    @Override
    public void close() {
        for (int slot = 0; slot < sequences.length; slot++) {
            if (sequences[slot] != null) {
                closeSequence(slot);
            }
        }
        w = null;
    }

    /** Sequences open now (for tests of who closes what). */
    public int openSequences() {
        int open = 0;
        for (Sequence s : sequences) {
            open += s != null ? 1 : 0;
        }
        return open;
    }

    private void loaded() {
        if (w == null) {
            throw new InferenceException("the model is closed");
        }
    }

    private Sequence open(int sequence) {
        loaded();
        if (sequence < 0 || sequence >= sequences.length || sequences[sequence] == null) {
            throw new InferenceException("sequence " + sequence + " is not open");
        }
        return sequences[sequence];
    }

    private void checkToken(int token) {
        if (token < 0 || token >= shape.vocabSize()) {
            throw new InferenceException("token " + token + " outside [0, " + shape.vocabSize() + ")");
        }
    }

    /** Feeds one token at the sequence's position; writes the next-token logits to {@code logits[at..]} if asked. */
    private void forward(Sequence s, int token, float[] logits, int at) {
        int dim = shape.dim();
        int hidden = shape.hiddenDim();
        int pos = s.position;
        float[] x = Arrays.copyOfRange(w, tokenEmbedding + token * dim, tokenEmbedding + (token + 1) * dim);
        float[] xb = new float[dim];
        float[] q = new float[dim];
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        float[] attended = new float[dim];
        float[] h1 = new float[hidden];
        float[] h3 = new float[hidden];
        int groupSize = shape.heads() / shape.kvHeads();

        for (int l = 0; l < shape.layers(); l++) {
            // attention block
            rmsNorm(xb, x, rmsAttention + l * dim);
            matmul(q, xb, wq + l * dim * dim, dim, dim);
            matmul(k, xb, wk + l * kvDim * dim, kvDim, dim);
            matmul(v, xb, wv + l * kvDim * dim, kvDim, dim);
            rotate(q, pos);
            rotate(k, pos);
            System.arraycopy(k, 0, s.keys[l], pos * kvDim, kvDim);
            System.arraycopy(v, 0, s.values[l], pos * kvDim, kvDim);

            Arrays.fill(attended, 0f);
            float[] scores = new float[pos + 1];
            for (int h = 0; h < shape.heads(); h++) {
                int kvHead = h / groupSize;
                for (int t = 0; t <= pos; t++) {
                    float dot = 0f;
                    for (int i = 0; i < headSize; i++) {
                        dot += q[h * headSize + i] * s.keys[l][t * kvDim + kvHead * headSize + i];
                    }
                    scores[t] = dot / (float) Math.sqrt(headSize);
                }
                softmax(scores, pos + 1);
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < headSize; i++) {
                        attended[h * headSize + i] += scores[t] * s.values[l][t * kvDim + kvHead * headSize + i];
                    }
                }
            }
            matmul(xb, attended, wo + l * dim * dim, dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb[i];
            }

            // feed-forward block: w2(silu(w1 x) * w3 x)
            rmsNorm(xb, x, rmsFeedForward + l * dim);
            matmul(h1, xb, w1 + l * hidden * dim, hidden, dim);
            matmul(h3, xb, w3 + l * hidden * dim, hidden, dim);
            for (int i = 0; i < hidden; i++) {
                float a = h1[i];
                h1[i] = a * (1f / (1f + (float) Math.exp(-a))) * h3[i];
            }
            matmul(xb, h1, w2 + l * dim * hidden, dim, hidden);
            for (int i = 0; i < dim; i++) {
                x[i] += xb[i];
            }
        }
        s.position = pos + 1;
        if (logits != null) {
            rmsNorm(xb, x, rmsFinal);
            float[] row = new float[shape.vocabSize()];
            matmul(row, xb, classifier, shape.vocabSize(), dim);
            System.arraycopy(row, 0, logits, at, row.length);
        }
    }

    /** {@code out = weight * x / sqrt(mean(x^2) + 1e-5)}. */
    private void rmsNorm(float[] out, float[] x, int weight) {
        float squares = 0f;
        for (float value : x) {
            squares += value * value;
        }
        float scale = 1f / (float) Math.sqrt(squares / x.length + 1e-5f);
        for (int i = 0; i < x.length; i++) {
            out[i] = w[weight + i] * (scale * x[i]);
        }
    }

    /** {@code out[rows] = W[rows, columns] · x[columns]}. */
    private void matmul(float[] out, float[] x, int weight, int rows, int columns) {
        for (int r = 0; r < rows; r++) {
            float sum = 0f;
            int base = weight + r * columns;
            for (int c = 0; c < columns; c++) {
                sum += w[base + c] * x[c];
            }
            out[r] = sum;
        }
    }

    /**
     * Rotary embedding: within each head, the pair (2i, 2i+1) turns by {@code pos * 10000^(-2i / headSize)}.
     */
    private void rotate(float[] vector, int pos) {
        for (int i = 0; i < vector.length; i += 2) {
            int inHead = i % headSize;
            float frequency = 1f / (float) Math.pow(10000f, inHead / (float) headSize);
            float angle = pos * frequency;
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            float a = vector[i];
            float b = vector[i + 1];
            vector[i] = a * cos - b * sin;
            vector[i + 1] = a * sin + b * cos;
        }
    }

    private static void softmax(float[] x, int size) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) {
            x[i] /= sum;
        }
    }

    @Override
    public String toString() {
        return "ReferenceTransformer[" + shape + ", " + openSequences() + "/" + maxSequences + " open]";
    }
}
