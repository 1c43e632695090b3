package dev.cloister.infer.model.testmodel;

import dev.cloister.infer.model.GgmlType;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufTensorInfo;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import dev.cloister.infer.model.quant.BlockFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a GGUF model with random weights (see {@link RandomWeights}) in a given architecture, shape and weight type,
 * with the tensor names and metadata keys llama.cpp reads, and a vocabulary given as its {@code tokenizer.*} metadata
 * (copied from another GGUF file, or built by a tokenizer importer). Used for tests and benchmarks where no registry
 * carries the real model; the output is a function of the spec and the vocabulary alone.
 */
public final class TestModelWriter {

    /** The token list whose length is the model's vocabulary size. */
    public static final String TOKENS = "tokenizer.ggml.tokens";

    private static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;

    /** Rows encoded in parallel before they are written in order. */
    private static final int ROWS_PER_CHUNK = 512;

    private TestModelWriter() {}

    /**
     * A tensor to write.
     *
     * @param layer its layer, or -1
     * @param dimensions GGML order, innermost first
     */
    public record PlannedTensor(String name, TensorRole role, int layer, long[] dimensions, GgmlType type) {
        public PlannedTensor {
            dimensions = dimensions.clone();
        }

        @Override
        public long[] dimensions() {
            return dimensions.clone();
        }

        long rowLength() {
            return dimensions[0];
        }

        long rows() {
            long rows = 1;
            for (int i = 1; i < dimensions.length; i++) {
                rows *= dimensions[i];
            }
            return rows;
        }

        long byteSize() {
            return rows() * (rowLength() / type.blockElements()) * type.blockBytes();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PlannedTensor p
                    && name.equals(p.name)
                    && role == p.role
                    && layer == p.layer
                    && Arrays.equals(dimensions, p.dimensions)
                    && type == p.type;
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(dimensions) + " " + type;
        }
    }

    /** The tensors of a model, in file order. */
    public static List<PlannedTensor> plan(TestModelSpec spec, int vocabularySize) {
        if (vocabularySize < 1) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        TestModelShape s = spec.shape();
        TestModelArchitecture arch = spec.architecture();
        boolean tied = s.output() == TestModelShape.OutputHead.TIED;
        long dim = s.embedding();
        long head = s.headSize();
        long qDim = s.heads() * head;
        long kvDim = s.kvHeads() * head;
        long ffn = s.feedForward();
        List<PlannedTensor> plan = new ArrayList<>();
        Planner p = (name, role, layer, dims) -> plan.add(new PlannedTensor(
                name, role, layer, dims, spec.fileType().typeOf(role, layer, s.layers(), dims[0], tied)));
        p.add("token_embd.weight", TensorRole.TOKEN_EMBEDDING, -1, new long[] {dim, vocabularySize});
        if (arch.ropeFrequencyFactors() && s.ropeScaling().isPresent()) {
            p.add("rope_freqs.weight", TensorRole.ROPE_FREQUENCIES, -1, new long[] {head / 2});
        }
        for (int l = 0; l < s.layers(); l++) {
            String blk = "blk." + l + ".";
            p.add(blk + "attn_norm.weight", TensorRole.ATTENTION_NORM, l, new long[] {dim});
            p.add(blk + "attn_q.weight", TensorRole.ATTENTION_Q, l, new long[] {dim, qDim});
            p.add(blk + "attn_k.weight", TensorRole.ATTENTION_K, l, new long[] {dim, kvDim});
            p.add(blk + "attn_v.weight", TensorRole.ATTENTION_V, l, new long[] {dim, kvDim});
            if (arch.attentionBiases()) {
                p.add(blk + "attn_q.bias", TensorRole.ATTENTION_Q_BIAS, l, new long[] {qDim});
                p.add(blk + "attn_k.bias", TensorRole.ATTENTION_K_BIAS, l, new long[] {kvDim});
                p.add(blk + "attn_v.bias", TensorRole.ATTENTION_V_BIAS, l, new long[] {kvDim});
            }
            if (arch.queryKeyNorms()) {
                p.add(blk + "attn_q_norm.weight", TensorRole.ATTENTION_Q_NORM, l, new long[] {head});
                p.add(blk + "attn_k_norm.weight", TensorRole.ATTENTION_K_NORM, l, new long[] {head});
            }
            p.add(blk + "attn_output.weight", TensorRole.ATTENTION_OUTPUT, l, new long[] {qDim, dim});
            p.add(blk + "ffn_norm.weight", TensorRole.FEED_FORWARD_NORM, l, new long[] {dim});
            p.add(blk + "ffn_gate.weight", TensorRole.FEED_FORWARD_GATE, l, new long[] {dim, ffn});
            p.add(blk + "ffn_up.weight", TensorRole.FEED_FORWARD_UP, l, new long[] {dim, ffn});
            p.add(blk + "ffn_down.weight", TensorRole.FEED_FORWARD_DOWN, l, new long[] {ffn, dim});
        }
        p.add("output_norm.weight", TensorRole.OUTPUT_NORM, -1, new long[] {dim});
        if (!tied) {
            p.add("output.weight", TensorRole.OUTPUT, -1, new long[] {dim, vocabularySize});
        }
        return plan;
    }

    @FunctionalInterface
    private interface Planner {
        void add(String name, TensorRole role, int layer, long[] dimensions);
    }

    /**
     * The metadata: {@code general.*}, the architecture's hyper-parameters under its own prefix, then the vocabulary.
     *
     * @param vocabulary {@code tokenizer.*} keys only, with {@code tokenizer.ggml.tokens}
     */
    public static Map<String, GgufValue> metadata(TestModelSpec spec, Map<String, GgufValue> vocabulary) {
        int vocabularySize = vocabularySize(vocabulary);
        TestModelShape s = spec.shape();
        String a = spec.architecture().ggufName() + ".";
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.Text.of(spec.architecture().ggufName()));
        m.put("general.name", GgufValue.Text.of(spec.name()));
        m.put("general.file_type", u32(spec.fileType().fileType()));
        m.put("general.quantization_version", u32(2));
        m.put("general.alignment", u32(ALIGNMENT));
        m.put(a + "vocab_size", u32(vocabularySize));
        m.put(a + "context_length", u32(s.contextLength()));
        m.put(a + "embedding_length", u32(s.embedding()));
        m.put(a + "block_count", u32(s.layers()));
        m.put(a + "feed_forward_length", u32(s.feedForward()));
        m.put(a + "attention.head_count", u32(s.heads()));
        m.put(a + "attention.head_count_kv", u32(s.kvHeads()));
        m.put(a + "attention.key_length", u32(s.headSize()));
        m.put(a + "attention.value_length", u32(s.headSize()));
        m.put(a + "rope.dimension_count", u32(s.headSize()));
        m.put(a + "rope.freq_base", new GgufValue.Real(GgufType.FLOAT32, s.ropeTheta()));
        m.put(a + "attention.layer_norm_rms_epsilon", new GgufValue.Real(GgufType.FLOAT32, s.rmsEpsilon()));
        m.putAll(vocabulary);
        return m;
    }

    /** Every {@code tokenizer.*} key of a GGUF file, in file order: the vocabulary to write another model with. */
    public static Map<String, GgufValue> vocabularyOf(GgufFile file) {
        Map<String, GgufValue> vocabulary = new LinkedHashMap<>();
        file.metadata().forEach((key, value) -> {
            if (key.startsWith("tokenizer.")) {
                vocabulary.put(key, value);
            }
        });
        vocabularySize(vocabulary);
        return vocabulary;
    }

    private static int vocabularySize(Map<String, GgufValue> vocabulary) {
        for (String key : vocabulary.keySet()) {
            if (!key.startsWith("tokenizer.")) {
                throw new ModelFormatException("vocabulary metadata holds '" + key + "', not a tokenizer.* key");
            }
        }
        if (!(vocabulary.get(TOKENS) instanceof GgufValue.Array tokens)
                || tokens.elementType() != GgufType.STRING
                || tokens.values().isEmpty()) {
            throw new ModelFormatException("vocabulary metadata has no " + TOKENS + " array of strings");
        }
        return tokens.values().size();
    }

    /** The GGUF header the model will have (tensor offsets included). */
    public static GgufFile header(TestModelSpec spec, Map<String, GgufValue> vocabulary) {
        List<PlannedTensor> plan = plan(spec, vocabularySize(vocabulary));
        List<GgufTensorInfo> infos = new ArrayList<>();
        long offset = 0;
        for (PlannedTensor t : plan) {
            infos.add(new GgufTensorInfo(t.name(), t.dimensions(), t.type(), offset));
            offset = align(offset + t.byteSize());
        }
        return GgufFile.of(metadata(spec, vocabulary), infos);
    }

    /**
     * Writes the model to {@code out} (atomically: a temporary file beside it, then a move) and returns its header.
     * Rows are drawn and encoded on the common fork-join pool; the bytes do not depend on its size.
     */
    public static GgufFile write(TestModelSpec spec, Map<String, GgufValue> vocabulary, Path out) {
        GgufFile header = header(spec, vocabulary);
        List<PlannedTensor> plan = plan(spec, vocabularySize(vocabulary));
        Path directory = out.toAbsolutePath().getParent();
        try {
            Path temporary = Files.createTempFile(directory, out.getFileName() + ".", ".partial");
            try {
                try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(temporary), 1 << 20)) {
                    stream.write(header.writeHeader());
                    for (PlannedTensor tensor : plan) {
                        long written = writeTensor(spec, tensor, stream);
                        stream.write(new byte[(int) (align(written) - written)]);
                    }
                }
                Files.move(temporary, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing test model " + out.getFileName(), e);
        }
        return header;
    }

    private static long writeTensor(TestModelSpec spec, PlannedTensor tensor, OutputStream out) throws IOException {
        int rowLength = Math.toIntExact(tensor.rowLength());
        long rows = tensor.rows();
        long written = 0;
        if (tensor.role() == TensorRole.ROPE_FREQUENCIES) {
            TestModelShape s = spec.shape();
            float[] divisors = s.ropeScaling().orElseThrow().frequencyDivisors(s.headSize(), s.ropeTheta());
            byte[] bytes = BlockFormat.quantizeRow(GgmlType.F32, divisors);
            out.write(bytes);
            return bytes.length;
        }
        for (long first = 0; first < rows; first += ROWS_PER_CHUNK) {
            long start = first;
            int count = (int) Math.min(ROWS_PER_CHUNK, rows - first);
            byte[][] encoded = IntStream.range(0, count)
                    .parallel()
                    .mapToObj(i -> {
                        float[] row = new float[rowLength];
                        RandomWeights.fill(spec.seed(), tensor.name(), tensor.role(), start + i, row);
                        return BlockFormat.quantizeRow(tensor.type(), row);
                    })
                    .toArray(byte[][]::new);
            for (byte[] row : encoded) {
                out.write(row);
                written += row.length;
            }
        }
        return written;
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static GgufValue u32(long value) {
        return new GgufValue.Whole(GgufType.UINT32, value);
    }
}
