package dev.cloister.infer.reference;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufTensorData;
import dev.cloister.infer.model.GgufTensorInfo;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.LlamaCheckpointHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain, slow, fp32 forward pass of the Llama family, written from the architectures to check faster engines against:
 * RMSNorm, rotary position embeddings, grouped-query attention, a SwiGLU feed-forward layer, and a classifier that may
 * share the token embedding. The variants GGUF files name in {@code general.architecture}:
 *
 * <ul>
 *   <li>{@code llama} (llama2.c checkpoints too): the rotary embedding turns adjacent pairs {@code (2i, 2i + 1)} of each
 *       head by {@code pos * base^(-2i / headSize)}, divided by {@code rope_freqs.weight[i]} where the file has it
 *       (Llama 3.1's rope scaling);
 *   <li>{@code qwen2}: biases on the query, key and value projections; the rotary embedding turns the pairs {@code (i, i
 *       + headSize / 2)} (GPT-NeoX's layout);
 *   <li>{@code qwen3}: no biases; each query and key head is RMS-normalized (weights {@code attn_q_norm}, {@code
 *       attn_k_norm}) before the NeoX rotary embedding.
 * </ul>
 *
 * GGUF weights of every type with a {@link dev.cloister.infer.model.quant.BlockFormat} are dequantized to fp32 at load.
 * Every sequence has its own dense KV cache; closing it zeroes the cache.
 */
public final class ReferenceTransformer implements InferenceEngine {

    /** How the rotary embedding pairs the dimensions of a head. */
    enum RopeLayout {
        ADJACENT_PAIRS,
        HALVES
    }

    /**
     * What varies between the architectures.
     *
     * @param ropeDivisors per rotated pair, or null
     */
    record Variant(String name, RopeLayout rope, float ropeBase, float[] ropeDivisors, float rmsEpsilon) {}

    /**
     * How the input of a matrix product is rounded. {@link Arithmetic#FP32} never rounds; {@link Arithmetic#LLAMA_CPP}
     * rounds as llama.cpp's CPU backend does before it multiplies by weights of the matrix's stored type (the type's
     * {@code vec_dot_type} in ggml-cpu): 8-bit blocks of 32 with an fp16 scale for Q8_0, Q4_0, Q5_0 and Q5_1 weights,
     * 8-bit blocks of 256 with an fp32 scale (Q8_K) for K-quant weights, fp16 for F16 weights, bf16 for BF16 weights.
     */
    enum InputRounding {
        NONE,
        Q8_0,
        Q8_K,
        F16,
        BF16
    }

    /** Which arithmetic the forward pass follows. */
    public enum Arithmetic {
        /** fp32 throughout: the weights as stored, the activations exact. */
        FP32,
        /** fp32, with every product's input rounded as llama.cpp's CPU backend rounds it (see {@link InputRounding}). */
        LLAMA_CPP
    }

    /** A weight matrix, [rows, columns] row-major, and how a product rounds its input. */
    record Matrix(float[] values, InputRounding rounding) {
        static Matrix exact(float[] values) {
            return new Matrix(values, InputRounding.NONE);
        }
    }

    /** One block's weights, as [rows, columns] row-major (PyTorch's layout; GGML's dimensions reversed). */
    private record Layer(
            float[] attentionNorm, // [dim]
            Matrix wq, // [dim, dim]
            Matrix wk, // [kvDim, dim]
            Matrix wv, // [kvDim, dim]
            float[] bq, // [dim] or null
            float[] bk, // [kvDim] or null
            float[] bv, // [kvDim] or null
            float[] qNorm, // [headSize] or null
            float[] kNorm, // [headSize] or null
            Matrix wo, // [dim, dim]
            float[] feedForwardNorm, // [dim]
            Matrix w1, // gate [hidden, dim]
            Matrix w2, // down [dim, hidden]
            Matrix w3) {} // up [hidden, dim]

    private final ModelShape shape;
    private final Variant variant;
    private final int maxSequences;
    private final int kvDim;
    private final int headSize;

    private Layer[] layers;
    private float[] tokenEmbedding; // [vocab, dim]
    private float[] finalNorm; // [dim]
    private Matrix classifier; // [vocab, dim]

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

    private ReferenceTransformer(
            ModelShape shape,
            Variant variant,
            Layer[] layers,
            float[] tokenEmbedding,
            float[] finalNorm,
            Matrix classifier,
            int maxSequences) {
        this.shape = shape;
        this.variant = variant;
        this.maxSequences = maxSequences;
        this.headSize = shape.headSize();
        this.kvDim = shape.kvHeads() * headSize;
        this.layers = layers;
        this.tokenEmbedding = tokenEmbedding;
        this.finalNorm = finalNorm;
        this.classifier = classifier;
        this.sequences = new Sequence[maxSequences];
    }

    /** Loads a llama2.c checkpoint (whose size must match its header exactly). */
    public static ReferenceTransformer load(Path checkpoint, int maxSequences) {
        checkSequences(maxSequences);
        try (FileChannel channel = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            LlamaCheckpointHeader header = LlamaCheckpointHeader.read(map);
            if (header.fileSize() != size || header.weightCount() > Integer.MAX_VALUE - 8) {
                throw new InferenceException(
                        "checkpoint of " + size + " bytes, its header implies " + header.fileSize());
            }
            float[] w = new float[(int) header.weightCount()];
            map.position(LlamaCheckpointHeader.BYTES);
            map.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(w);
            return fromCheckpoint(header, w, maxSequences);
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoint " + checkpoint.getFileName(), e);
        }
    }

    /** llama2.c's layout: each kind of weight for all layers in turn. */
    private static ReferenceTransformer fromCheckpoint(LlamaCheckpointHeader header, float[] w, int maxSequences) {
        ModelShape s = header.shape();
        int dim = s.dim();
        int hidden = s.hiddenDim();
        int kvDim = s.kvHeads() * s.headSize();
        int n = s.layers();
        int at = 0;
        float[] embedding = Arrays.copyOfRange(w, at, at += s.vocabSize() * dim);
        int rmsAttention = at;
        at += n * dim;
        int wq = at;
        at += n * dim * dim;
        int wk = at;
        at += n * kvDim * dim;
        int wv = at;
        at += n * kvDim * dim;
        int wo = at;
        at += n * dim * dim;
        int rmsFeedForward = at;
        at += n * dim;
        int w1 = at;
        at += n * hidden * dim;
        int w2 = at;
        at += n * dim * hidden;
        int w3 = at;
        at += n * hidden * dim;
        float[] finalNorm = Arrays.copyOfRange(w, at, at += dim);
        at += s.maxSequenceLength() * s.headSize(); // freq_cis_real and freq_cis_imag: unused
        Matrix classifier = Matrix.exact(
                header.classifier() == LlamaCheckpointHeader.Classifier.SHARED_WITH_EMBEDDING
                        ? embedding
                        : Arrays.copyOfRange(w, at, at + s.vocabSize() * dim));
        Layer[] layers = new Layer[n];
        for (int l = 0; l < n; l++) {
            layers[l] = new Layer(
                    slice(w, rmsAttention + l * dim, dim),
                    Matrix.exact(slice(w, wq + l * dim * dim, dim * dim)),
                    Matrix.exact(slice(w, wk + l * kvDim * dim, kvDim * dim)),
                    Matrix.exact(slice(w, wv + l * kvDim * dim, kvDim * dim)),
                    null,
                    null,
                    null,
                    null,
                    null,
                    Matrix.exact(slice(w, wo + l * dim * dim, dim * dim)),
                    slice(w, rmsFeedForward + l * dim, dim),
                    Matrix.exact(slice(w, w1 + l * hidden * dim, hidden * dim)),
                    Matrix.exact(slice(w, w2 + l * dim * hidden, dim * hidden)),
                    Matrix.exact(slice(w, w3 + l * hidden * dim, hidden * dim)));
        }
        Variant variant = new Variant("llama", RopeLayout.ADJACENT_PAIRS, 10000f, null, 1e-5f);
        return new ReferenceTransformer(s, variant, layers, embedding, finalNorm, classifier, maxSequences);
    }

    private static float[] slice(float[] w, int from, int length) {
        return Arrays.copyOfRange(w, from, from + length);
    }

    /**
     * Loads a GGUF model of architecture {@code llama}, {@code qwen2} or {@code qwen3} (tensors of any type with a
     * codec, dequantized to fp32). The vocabulary size is the length of {@code tokenizer.ggml.tokens}.
     */
    public static ReferenceTransformer loadGguf(Path file, int maxSequences) {
        return loadGguf(file, maxSequences, Arithmetic.FP32);
    }

    /** Loads a GGUF model and follows the given arithmetic. */
    public static ReferenceTransformer loadGguf(Path file, int maxSequences, Arithmetic arithmetic) {
        checkSequences(maxSequences);
        GgufFile gguf = GgufFile.open(file);
        String arch = gguf.string("general.architecture");
        RopeLayout rope = switch (arch) {
            case "llama" -> RopeLayout.ADJACENT_PAIRS;
            case "qwen2", "qwen3" -> RopeLayout.HALVES;
            default -> throw new InferenceException("architecture '" + arch + "' is not one the reference runs");
        };
        String a = arch + ".";
        ModelShape shape = new ModelShape(
                whole(gguf, a + "embedding_length"),
                whole(gguf, a + "feed_forward_length"),
                whole(gguf, a + "block_count"),
                whole(gguf, a + "attention.head_count"),
                whole(gguf, a + "attention.head_count_kv"),
                gguf.array("tokenizer.ggml.tokens", GgufType.STRING).size(),
                whole(gguf, a + "context_length"));
        Map<String, GgufTensorInfo> tensors = new HashMap<>();
        for (GgufTensorInfo tensor : gguf.tensors()) {
            tensors.put(tensor.name(), tensor);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            TensorReader read = new TensorReader(gguf, map, tensors, arithmetic);
            Variant variant = new Variant(
                    arch,
                    rope,
                    real(gguf, a + "rope.freq_base", 10000f),
                    read.optional("rope_freqs.weight"),
                    real(gguf, a + "attention.layer_norm_rms_epsilon", 1e-5f));
            Layer[] layers = new Layer[shape.layers()];
            for (int l = 0; l < layers.length; l++) {
                String blk = "blk." + l + ".";
                layers[l] = new Layer(
                        read.required(blk + "attn_norm.weight"),
                        read.matrix(blk + "attn_q.weight"),
                        read.matrix(blk + "attn_k.weight"),
                        read.matrix(blk + "attn_v.weight"),
                        read.optional(blk + "attn_q.bias"),
                        read.optional(blk + "attn_k.bias"),
                        read.optional(blk + "attn_v.bias"),
                        read.optional(blk + "attn_q_norm.weight"),
                        read.optional(blk + "attn_k_norm.weight"),
                        read.matrix(blk + "attn_output.weight"),
                        read.required(blk + "ffn_norm.weight"),
                        read.matrix(blk + "ffn_gate.weight"),
                        read.matrix(blk + "ffn_down.weight"),
                        read.matrix(blk + "ffn_up.weight"));
            }
            Matrix embedding = read.matrix("token_embd.weight");
            Matrix classifier = tensors.containsKey("output.weight") ? read.matrix("output.weight") : embedding;
            return new ReferenceTransformer(
                    shape,
                    variant,
                    layers,
                    embedding.values(),
                    read.required("output_norm.weight"),
                    classifier,
                    maxSequences);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file.getFileName(), e);
        }
    }

    private record TensorReader(
            GgufFile gguf, ByteBuffer map, Map<String, GgufTensorInfo> tensors, Arithmetic arithmetic) {
        Matrix matrix(String name) {
            float[] values = required(name);
            if (arithmetic == Arithmetic.FP32) {
                return Matrix.exact(values);
            }
            InputRounding rounding = switch (tensors.get(name).type()) {
                case F32 -> InputRounding.NONE;
                case F16 -> InputRounding.F16;
                case BF16 -> InputRounding.BF16;
                case Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 -> InputRounding.Q8_0;
                case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> InputRounding.Q8_K;
                default -> throw new InferenceException("no llama.cpp arithmetic for " + name);
            };
            return new Matrix(values, rounding);
        }

        float[] required(String name) {
            float[] values = optional(name);
            if (values == null) {
                throw new InferenceException("missing tensor " + name);
            }
            return values;
        }

        float[] optional(String name) {
            GgufTensorInfo tensor = tensors.get(name);
            if (tensor == null) {
                return null;
            }
            float[] values = new float[Math.toIntExact(tensor.elements())];
            GgufTensorData.toFloats(gguf, map, tensor, values, 0);
            return values;
        }
    }

    private static int whole(GgufFile gguf, String key) {
        if (gguf.get(key).orElse(null) instanceof GgufValue.Whole w) {
            return Math.toIntExact(w.value());
        }
        throw new InferenceException("missing integer " + key);
    }

    private static float real(GgufFile gguf, String key, float absent) {
        return gguf.get(key).orElse(null) instanceof GgufValue.Real r ? (float) r.value() : absent;
    }

    private static void checkSequences(int maxSequences) {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be positive");
        }
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    /** The architecture's name in GGUF ({@code llama} for a llama2.c checkpoint). */
    public String architecture() {
        return variant.name();
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
        layers = null;
        tokenEmbedding = null;
        finalNorm = null;
        classifier = null;
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
        if (layers == null) {
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
        float[] x = Arrays.copyOfRange(tokenEmbedding, token * dim, (token + 1) * dim);
        float[] xb = new float[dim];
        float[] q = new float[dim];
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        float[] attended = new float[dim];
        float[] h1 = new float[hidden];
        float[] h3 = new float[hidden];
        int groupSize = shape.heads() / shape.kvHeads();

        for (int l = 0; l < shape.layers(); l++) {
            Layer layer = layers[l];
            // attention block
            rmsNorm(xb, x, layer.attentionNorm());
            matmul(q, xb, layer.wq(), dim, dim);
            matmul(k, xb, layer.wk(), kvDim, dim);
            matmul(v, xb, layer.wv(), kvDim, dim);
            addBias(q, layer.bq());
            addBias(k, layer.bk());
            addBias(v, layer.bv());
            if (layer.qNorm() != null) {
                normalizeHeads(q, layer.qNorm());
                normalizeHeads(k, layer.kNorm());
            }
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
            matmul(xb, attended, layer.wo(), dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb[i];
            }

            // feed-forward block: w2(silu(w1 x) * w3 x)
            rmsNorm(xb, x, layer.feedForwardNorm());
            matmul(h1, xb, layer.w1(), hidden, dim);
            matmul(h3, xb, layer.w3(), hidden, dim);
            for (int i = 0; i < hidden; i++) {
                float a = h1[i];
                h1[i] = a * (1f / (1f + (float) Math.exp(-a))) * h3[i];
            }
            matmul(xb, h1, layer.w2(), dim, hidden);
            for (int i = 0; i < dim; i++) {
                x[i] += xb[i];
            }
        }
        s.position = pos + 1;
        if (logits != null) {
            rmsNorm(xb, x, finalNorm);
            float[] row = new float[shape.vocabSize()];
            matmul(row, xb, classifier, shape.vocabSize(), dim);
            System.arraycopy(row, 0, logits, at, row.length);
        }
    }

    /** {@code out = weight * x / sqrt(mean(x^2) + epsilon)}. */
    private void rmsNorm(float[] out, float[] x, float[] weight) {
        float squares = 0f;
        for (float value : x) {
            squares += value * value;
        }
        float scale = 1f / (float) Math.sqrt(squares / x.length + variant.rmsEpsilon());
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i] * (scale * x[i]);
        }
    }

    /** RMSNorm of each head of {@code vector} in place, with one weight vector of {@code headSize} for all heads. */
    private void normalizeHeads(float[] vector, float[] weight) {
        float[] head = new float[headSize];
        for (int h = 0; h < vector.length / headSize; h++) {
            System.arraycopy(vector, h * headSize, head, 0, headSize);
            float[] normalized = new float[headSize];
            rmsNorm(normalized, head, weight);
            System.arraycopy(normalized, 0, vector, h * headSize, headSize);
        }
    }

    private static void addBias(float[] vector, float[] bias) {
        if (bias != null) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] += bias[i];
            }
        }
    }

    /** {@code out[rows] = W[rows, columns] · x[columns]}, the input rounded as the matrix says. */
    private static void matmul(float[] out, float[] input, Matrix matrix, int rows, int columns) {
        float[] x = round(input, matrix.rounding());
        float[] weight = matrix.values();
        for (int r = 0; r < rows; r++) {
            float sum = 0f;
            int base = r * columns;
            for (int c = 0; c < columns; c++) {
                sum += weight[base + c] * x[c];
            }
            out[r] = sum;
        }
    }

    /** A product's input as llama.cpp's CPU backend rounds it (ggml's quantize_row_q8_0 and quantize_row_q8_K). */
    static float[] round(float[] x, InputRounding rounding) {
        float[] y = x.clone();
        switch (rounding) {
            case NONE -> {}
            case F16 -> {
                for (int i = 0; i < y.length; i++) y[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            }
            case BF16 -> {
                for (int i = 0; i < y.length; i++) {
                    int bits = Float.floatToRawIntBits(x[i]);
                    y[i] = Float.intBitsToFloat(((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) << 16);
                }
            }
            case Q8_0 -> {
                // amax / 127 stored as fp16; the values multiplied by 127 / amax and rounded to nearest even (AVX2)
                for (int b = 0; b < y.length; b += 32) {
                    float amax = 0f;
                    for (int i = b; i < b + 32; i++) amax = Math.max(amax, Math.abs(x[i]));
                    float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                    float id = amax != 0f ? 127f / amax : 0f;
                    for (int i = b; i < b + 32; i++) y[i] = (float) Math.rint(x[i] * id) * d;
                }
            }
            case Q8_K -> {
                // the value of largest magnitude maps to -127; scale 1 / iscale kept in fp32
                for (int b = 0; b < y.length; b += 256) {
                    float amax = 0f;
                    float max = 0f;
                    for (int i = b; i < b + 256; i++) {
                        if (Math.abs(x[i]) > amax) {
                            amax = Math.abs(x[i]);
                            max = x[i];
                        }
                    }
                    float iscale = amax != 0f ? -127f / max : 0f;
                    float d = amax != 0f ? 1f / iscale : 0f;
                    for (int i = b; i < b + 256; i++) y[i] = Math.min(127, (int) Math.rint(iscale * x[i])) * d;
                }
            }
        }
        return y;
    }

    /**
     * Rotary embedding: within each head, pair {@code i} (dimensions {@code 2i, 2i+1}, or {@code i, i + headSize/2} in
     * the NeoX layout) turns by {@code pos * base^(-2i / headSize) / divisor[i]}.
     */
    private void rotate(float[] vector, int pos) {
        int half = headSize / 2;
        for (int head = 0; head < vector.length / headSize; head++) {
            for (int i = 0; i < half; i++) {
                float frequency = (float) Math.pow(variant.ropeBase(), -2.0 * i / headSize);
                if (variant.ropeDivisors() != null) {
                    frequency /= variant.ropeDivisors()[i];
                }
                float angle = pos * frequency;
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                int first = head * headSize + (variant.rope() == RopeLayout.ADJACENT_PAIRS ? 2 * i : i);
                int second = first + (variant.rope() == RopeLayout.ADJACENT_PAIRS ? 1 : half);
                float a = vector[first];
                float b = vector[second];
                vector[first] = a * cos - b * sin;
                vector[second] = a * sin + b * cos;
            }
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
        return "ReferenceTransformer[" + variant.name() + ", " + shape + ", " + openSequences() + "/" + maxSequences
                + " open]";
    }
}
