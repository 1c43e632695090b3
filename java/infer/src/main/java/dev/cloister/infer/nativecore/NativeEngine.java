package dev.cloister.infer.nativecore;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The native inference core (C++ CPU backend, CUDA backend where built and a GPU is present) behind the
 * {@link InferenceEngine} contract. Reads llama2.c checkpoints (memory-mapped) and GGUF files (Llama family).
 *
 * <p>Every argument is checked here before it reaches native code, and native code checks again; a refusal from
 * either side is an {@link InferenceException} with the reason. Methods are synchronized so that a misuse from two
 * threads (or a call racing {@link #close()}) is refused instead of crashing the process.
 */
public final class NativeEngine implements InferenceEngine {

    /** Which backend to use. */
    public enum Backend {
        /** CUDA when built and a device is present, otherwise the CPU. */
        AUTO,
        CPU,
        CUDA
    }

    /** How the CUDA backend stores weights (the CPU backend always computes in fp32). */
    public enum WeightFormat {
        F32,
        BF16
    }

    /**
     * Engine configuration. Zero in a numeric field means the native default.
     *
     * @param backend the backend to use
     * @param threads CPU threads (0: every core OpenMP sees)
     * @param maxSequences sequences open at once (0: 8)
     * @param kvBlockTokens tokens per KV-cache block (0: 16)
     * @param kvBlocks blocks in the KV pool, which bounds its memory (0: enough for maxSequences full contexts, at most
     *     half the machine's physical memory)
     * @param weightFormat weight storage on CUDA
     * @param prefillChunk tokens per prefill forward pass (0: 64)
     */
    public record Options(
            Backend backend,
            int threads,
            int maxSequences,
            int kvBlockTokens,
            int kvBlocks,
            WeightFormat weightFormat,
            int prefillChunk) {

        public Options {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(weightFormat, "weightFormat");
            inRange("threads", threads, 1024);
            inRange("maxSequences", maxSequences, 4096);
            inRange("kvBlockTokens", kvBlockTokens, 4096);
            inRange("kvBlocks", kvBlocks, 1 << 24);
            inRange("prefillChunk", prefillChunk, 4096);
        }

        /** AUTO backend, all cores, native defaults elsewhere. */
        public static Options defaults() {
            return new Options(Backend.AUTO, 0, 0, 0, 0, WeightFormat.F32, 0);
        }

        public Options withBackend(Backend value) {
            return new Options(value, threads, maxSequences, kvBlockTokens, kvBlocks, weightFormat, prefillChunk);
        }

        public Options withThreads(int value) {
            return new Options(backend, value, maxSequences, kvBlockTokens, kvBlocks, weightFormat, prefillChunk);
        }

        public Options withMaxSequences(int value) {
            return new Options(backend, threads, value, kvBlockTokens, kvBlocks, weightFormat, prefillChunk);
        }

        public Options withKvBlocks(int tokensPerBlock, int blocks) {
            return new Options(backend, threads, maxSequences, tokensPerBlock, blocks, weightFormat, prefillChunk);
        }

        public Options withWeightFormat(WeightFormat value) {
            return new Options(backend, threads, maxSequences, kvBlockTokens, kvBlocks, value, prefillChunk);
        }

        public Options withPrefillChunk(int value) {
            return new Options(backend, threads, maxSequences, kvBlockTokens, kvBlocks, weightFormat, value);
        }

        private static void inRange(String name, int value, int max) {
            if (value < 0 || value > max) {
                throw new IllegalArgumentException(name + " " + value + " outside [0, " + max + "]");
            }
        }
    }

    /** The error buffer {@code ci_open} writes, and the most of any native text read back. */
    private static final int ERROR_BYTES = 512;

    /** Closes an engine that was dropped without {@link #close()}, so its KV memory is still zeroed and freed. */
    private static final Cleaner CLEANER = Cleaner.create();

    /** The native engine, closed exactly once: by {@link #close()} or, for a dropped engine, by the cleaner. */
    private static final class NativeHandle implements Runnable {
        private final NativeCore.Engine engine;

        NativeHandle(NativeCore.Engine engine) {
            this.engine = engine;
        }

        @Override
        public void run() {
            NativeCore.ci_close(engine);
        }
    }

    private final Cleaner.Cleanable cleanable;
    private NativeCore.Engine engine;
    private final ModelShape shape;
    private final Backend backend;
    private final String backendDescription;
    private final int maxSequences;
    private final IntPointer sequenceBuffer;
    private final IntPointer tokenBuffer;
    private final FloatPointer logitBuffer;

    private NativeEngine(NativeCore.Engine engine) {
        this.engine = engine;
        this.cleanable = CLEANER.register(this, new NativeHandle(engine));
        NativeCore.Shape s = new NativeCore.Shape();
        try {
            NativeCore.ci_get_shape(engine, s);
            this.shape = new ModelShape(
                    s.dim(), s.hidden_dim(), s.layers(), s.heads(), s.kv_heads(), s.vocab_size(), s.seq_len());
        } finally {
            s.close();
        }
        this.backend = NativeCore.ci_backend(engine) == NativeCore.CI_BACKEND_CUDA ? Backend.CUDA : Backend.CPU;
        this.backendDescription = cString(NativeCore.ci_backend_name(engine), ERROR_BYTES);
        this.maxSequences = NativeCore.ci_max_sequences(engine);
        this.sequenceBuffer = new IntPointer(maxSequences);
        this.tokenBuffer = new IntPointer(Math.max(maxSequences, shape.maxSequenceLength()));
        this.logitBuffer = new FloatPointer((long) maxSequences * shape.vocabSize());
    }

    /**
     * Opens a model file (llama2.c checkpoint or GGUF) on the chosen backend.
     *
     * @throws InferenceException when the native library cannot load, the file is unreadable or malformed, or the
     *     backend is unavailable
     */
    public static NativeEngine open(Path modelFile, Options options) {
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(options, "options");
        NativeLibrary.requireLoaded();
        if (!Files.isRegularFile(modelFile)) {
            throw new InferenceException("model file not found or not a regular file");
        }
        byte[] path = modelFile.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        for (byte b : path) {
            if (b == 0) {
                throw new InferenceException("model path contains a NUL byte");
            }
        }
        try (BytePointer cPath = new BytePointer(path.length + 1L);
                BytePointer err = new BytePointer(ERROR_BYTES);
                NativeCore.Options o = new NativeCore.Options()) {
            cPath.put(path).put(path.length, (byte) 0);
            err.put(0, (byte) 0);
            o.backend(
                            switch (options.backend()) {
                                case AUTO -> NativeCore.CI_BACKEND_AUTO;
                                case CPU -> NativeCore.CI_BACKEND_CPU;
                                case CUDA -> NativeCore.CI_BACKEND_CUDA;
                            })
                    .threads(options.threads())
                    .max_sequences(options.maxSequences())
                    .kv_block_tokens(options.kvBlockTokens())
                    .kv_blocks(options.kvBlocks())
                    .weight_type(
                            options.weightFormat() == WeightFormat.BF16
                                    ? NativeCore.CI_WEIGHTS_BF16
                                    : NativeCore.CI_WEIGHTS_F32)
                    .prefill_chunk(options.prefillChunk());
            NativeCore.Engine e = NativeCore.ci_open(cPath, o, err, ERROR_BYTES);
            if (e == null || e.isNull()) {
                throw new InferenceException("cannot open the model: " + cString(err, ERROR_BYTES));
            }
            return new NativeEngine(e);
        }
    }

    /**
     * A NUL-terminated native string, read up to its first NUL and never past {@code capacity} bytes (a pointer's own
     * limit is not trusted: {@link BytePointer#getString()} on an allocated buffer reads the whole buffer).
     */
    static String cString(BytePointer text, int capacity) {
        byte[] bytes = new byte[capacity];
        int length = 0;
        while (length < capacity) {
            byte b = text.get(length);
            if (b == 0) {
                break;
            }
            bytes[length++] = b;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** Whether this build of the native library contains the CUDA backend. */
    public static boolean cudaBuilt() {
        NativeLibrary.requireLoaded();
        return NativeCore.ci_cuda_built() == 1;
    }

    /** The backend in use: {@link Backend#CPU} or {@link Backend#CUDA}. */
    public Backend backend() {
        return backend;
    }

    /** A short description of the backend: {@code cpu avx2 x2}, {@code cpu avx2+avx512vnni x2}, {@code cpu portable x1}. */
    public String backendDescription() {
        return backendDescription;
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public int maxSequences() {
        return maxSequences;
    }

    /** Tokens per KV-cache block. */
    public synchronized int kvBlockTokens() {
        return NativeCore.ci_kv_block_tokens(open());
    }

    /** Blocks in the KV pool. */
    public synchronized int kvBlocksTotal() {
        return NativeCore.ci_kv_blocks_total(open());
    }

    /** Blocks on the free list. */
    public synchronized int kvBlocksFree() {
        return NativeCore.ci_kv_blocks_free(open());
    }

    @Override
    public synchronized int openSequence() {
        int s = NativeCore.ci_sequence_open(open());
        check(s);
        return s;
    }

    @Override
    public synchronized int position(int sequence) {
        NativeCore.Engine e = open();
        requireSequence(sequence);
        int p = NativeCore.ci_sequence_position(e, sequence);
        if (p < 0) {
            throw new InferenceException("sequence " + sequence + " is not open");
        }
        return p;
    }

    @Override
    public synchronized void prefill(int sequence, int[] tokens, int offset, int count, float[] logits) {
        NativeCore.Engine e = open();
        requireArrays(tokens, logits);
        requireSequence(sequence);
        if (count < 1 || offset < 0 || offset > tokens.length - count) {
            throw new InferenceException(
                    "prefill range [" + offset + ", +" + count + ") outside tokens[" + tokens.length + "]");
        }
        if (count > shape.maxSequenceLength()) {
            throw new InferenceException(
                    "prefill of " + count + " tokens passes the context of " + shape.maxSequenceLength());
        }
        if (logits.length < shape.vocabSize()) {
            throw new InferenceException("logits array shorter than the vocabulary (" + shape.vocabSize() + ")");
        }
        for (int i = 0; i < count; i++) {
            requireToken(tokens[offset + i]);
        }
        tokenBuffer.put(tokens, offset, count);
        check(NativeCore.ci_prefill(e, sequence, tokenBuffer, count, logitBuffer));
        logitBuffer.get(logits, 0, shape.vocabSize());
    }

    @Override
    public synchronized void decode(int[] sequences, int[] tokens, int batch, float[] logits) {
        NativeCore.Engine e = open();
        requireArrays(sequences, tokens, logits);
        if (batch < 1 || batch > maxSequences) {
            throw new InferenceException("batch of " + batch + " outside [1, " + maxSequences + "]");
        }
        if (sequences.length < batch || tokens.length < batch) {
            throw new InferenceException("sequences or tokens shorter than the batch (" + batch + ")");
        }
        long need = (long) batch * shape.vocabSize();
        if (logits.length < need) {
            throw new InferenceException("logits array shorter than batch * vocabulary (" + need + ")");
        }
        boolean[] seen = new boolean[maxSequences];
        for (int i = 0; i < batch; i++) {
            requireSequence(sequences[i]);
            if (seen[sequences[i]]) {
                throw new InferenceException("sequence " + sequences[i] + " twice in one batch");
            }
            seen[sequences[i]] = true;
            requireToken(tokens[i]);
        }
        sequenceBuffer.put(sequences, 0, batch);
        tokenBuffer.put(tokens, 0, batch);
        check(NativeCore.ci_decode(e, sequenceBuffer, tokenBuffer, batch, logitBuffer));
        logitBuffer.get(logits, 0, (int) need);
    }

    @Override
    public synchronized void closeSequence(int sequence) {
        NativeCore.Engine e = open();
        requireSequence(sequence);
        check(NativeCore.ci_sequence_close(e, sequence));
        tokenBuffer.zero(); // the staging buffer held this sequence's prompt
    }

    /**
     * Closes every sequence (their KV blocks are zeroed), zeroes the native staging and scratch buffers and releases
     * the model; later calls are refused.
     */
    @Override
    public synchronized void close() {
        if (engine != null) {
            engine = null;
            cleanable.clean();
            for (Pointer p : new Pointer[] {sequenceBuffer, tokenBuffer, logitBuffer}) {
                p.zero();
                p.close();
            }
        }
    }

    /** Test hook: the KV block ids the sequence holds, in order. */
    synchronized int[] sequenceBlocks(int sequence) {
        NativeCore.Engine e = open();
        requireSequence(sequence);
        int capacity = NativeCore.ci_kv_blocks_total(e);
        try (IntPointer out = new IntPointer(Math.max(1, capacity))) {
            int n = NativeCore.ci_debug_sequence_blocks(e, sequence, out, capacity);
            if (n < 0) {
                throw new InferenceException("sequence " + sequence + " is not open");
            }
            int[] blocks = new int[n];
            out.get(blocks);
            return blocks;
        }
    }

    /** Test hook: a copy of one KV block's memory (layers x {K, V} x block tokens x kv dim floats). */
    synchronized float[] readKvBlock(int block) {
        NativeCore.Engine e = open();
        long floats = NativeCore.ci_kv_block_floats(e);
        if (floats <= 0 || floats > Integer.MAX_VALUE - 8) {
            throw new InferenceException("KV block too large to copy");
        }
        try (FloatPointer out = new FloatPointer(floats)) {
            check(NativeCore.ci_debug_read_kv_block(e, block, out));
            float[] copy = new float[(int) floats];
            out.get(copy);
            return copy;
        }
    }

    private NativeCore.Engine open() {
        if (engine == null) {
            throw new InferenceException("the engine is closed");
        }
        return engine;
    }

    private static void requireArrays(Object... arrays) {
        for (Object a : arrays) {
            if (a == null) {
                throw new InferenceException("a null array");
            }
        }
    }

    private void requireSequence(int sequence) {
        if (sequence < 0 || sequence >= maxSequences) {
            throw new InferenceException("sequence " + sequence + " outside [0, " + maxSequences + ")");
        }
    }

    private void requireToken(int token) {
        if (token < 0 || token >= shape.vocabSize()) {
            throw new InferenceException("token " + token + " outside [0, " + shape.vocabSize() + ")");
        }
    }

    private void check(int rc) {
        if (rc < 0) {
            String reason = cString(NativeCore.ci_last_error(engine), ERROR_BYTES);
            String kind = switch (rc) {
                case NativeCore.CI_ERR_ARGUMENT -> "refused";
                case NativeCore.CI_ERR_MEMORY -> "out of KV memory or sequence slots";
                case NativeCore.CI_ERR_MODEL -> "model error";
                default -> "backend failure";
            };
            throw new InferenceException(kind + ": " + reason);
        }
    }

    @Override
    public String toString() {
        return "NativeEngine[" + backendDescription + ", " + shape + "]";
    }
}
