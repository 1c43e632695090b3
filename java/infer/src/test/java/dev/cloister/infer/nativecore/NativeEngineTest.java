package dev.cloister.infer.nativecore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The native engine on stories260K through the Java binding, on the CPU backend. */
class NativeEngineTest {

    /** llama2.c run.c, greedy, 64 steps of "Once upon a time" (testdata/models/README.md): prompt ids first. */
    static final int[] REFERENCE = {
        403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408,
        419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
        338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310
    };

    /** BOS, then "Once upon a time". */
    static final int[] PROMPT = {1, 403, 407, 261, 378};

    static NativeEngine engine;

    static Path model() {
        return Path.of(System.getProperty("cloister.models", "../../testdata/models"), "stories260K.bin");
    }

    static NativeEngine.Options cpu(int maxSequences) {
        return NativeEngine.Options.defaults()
                .withBackend(NativeEngine.Backend.CPU)
                .withThreads(2)
                .withMaxSequences(maxSequences);
    }

    @BeforeAll
    static void open() {
        engine = NativeEngine.open(model(), cpu(32).withKvBlocks(16, 0));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static int argmax(float[] logits, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Greedy continuation of a prompt for {@code steps} tokens, the sequence alone in the engine. */
    static int[] greedy(NativeEngine e, int[] prompt, int steps) {
        int vocab = e.shape().vocabSize();
        float[] logits = new float[vocab];
        int seq = e.openSequence();
        try {
            e.prefill(seq, prompt, 0, prompt.length, logits);
            int[] out = new int[steps];
            for (int i = 0; i < steps; i++) {
                out[i] = argmax(logits, 0, vocab);
                if (i + 1 < steps) {
                    e.decode(new int[] {seq}, new int[] {out[i]}, 1, logits);
                }
            }
            return out;
        } finally {
            e.closeSequence(seq);
        }
    }

    @Test
    void shapeAndBackendComeFromTheCheckpoint() {
        assertEquals(new ModelShape(64, 172, 5, 8, 4, 512, 512), engine.shape());
        assertEquals(NativeEngine.Backend.CPU, engine.backend());
        assertTrue(engine.backendDescription().startsWith("cpu "), engine.backendDescription());
        assertEquals(
                cpuHasAvx512Vnni() && System.getenv("CLOISTER_CPU_KERNEL") == null,
                engine.backendDescription().contains("+avx512vnni"),
                "the description names the AVX-512 VNNI kernels exactly when they run: " + engine.backendDescription());
        assertEquals(32, engine.maxSequences());
        assertEquals(16, engine.kvBlockTokens());
        assertEquals(32 * 32, engine.kvBlocksTotal());
    }

    @Test
    void greedyDecodingReproducesLlama2cRunC() {
        int[] generated = greedy(engine, PROMPT, 60);
        int[] all = new int[64];
        System.arraycopy(PROMPT, 1, all, 0, 4);
        System.arraycopy(generated, 0, all, 4, 60);
        assertArrayEquals(REFERENCE, all);
    }

    @Test
    void aSequenceDecodesTheSameAloneAndAmong31Others() {
        int steps = 48;
        int vocab = engine.shape().vocabSize();
        int[] alone = greedy(engine, PROMPT, steps);
        int batch = 32;
        int[] seqs = new int[batch];
        float[] logits = new float[batch * vocab];
        float[] one = new float[vocab];
        List<int[]> outs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            seqs[b] = engine.openSequence();
            int[] prompt = b == 0 ? PROMPT : new int[] {1, 300 + b, 260 + (b * 7) % 200, 400 + b % 3};
            int len = b == 0 ? prompt.length : 2 + b % 3; // different lengths
            engine.prefill(seqs[b], prompt, 0, len, one);
            System.arraycopy(one, 0, logits, b * vocab, vocab);
            outs.add(new int[steps]);
        }
        int[] next = new int[batch];
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) {
                next[b] = argmax(logits, b * vocab, vocab);
                outs.get(b)[step] = next[b];
            }
            if (step + 1 < steps) {
                engine.decode(seqs, next, batch, logits);
            }
        }
        assertArrayEquals(alone, outs.get(0));
        assertNotEquals(Arrays.toString(outs.get(0)), Arrays.toString(outs.get(1)), "the others decode other text");
        for (int s : seqs) {
            engine.closeSequence(s);
        }
        assertEquals(engine.kvBlocksTotal(), engine.kvBlocksFree());
    }

    @Test
    void closingASequenceZeroesItsKvBlocks() {
        int seq = engine.openSequence();
        int[] tokens = new int[40];
        Arrays.fill(tokens, 300);
        tokens[0] = 1;
        engine.prefill(seq, tokens, 0, 40, new float[512]);
        assertEquals(40, engine.position(seq));
        int[] blocks = engine.sequenceBlocks(seq);
        assertEquals(3, blocks.length, "40 tokens in blocks of 16");
        for (int b : blocks) {
            assertTrue(nonZero(engine.readKvBlock(b)) > 0, "block " + b + " holds K/V");
        }
        engine.closeSequence(seq);
        for (int b : blocks) {
            assertEquals(0, nonZero(engine.readKvBlock(b)), "block " + b + " zeroed");
        }
    }

    static int nonZero(float[] values) {
        int n = 0;
        for (float v : values) {
            n += v != 0.0f ? 1 : 0;
        }
        return n;
    }

    @Test
    void prefillInChunksGivesTheSameLogitsAsOneCall() {
        try (NativeEngine chunked = NativeEngine.open(model(), cpu(2).withPrefillChunk(3))) {
            float[] a = new float[512];
            float[] b = new float[512];
            int[] tokens = {1, 403, 407, 261, 378, 432, 383, 286};
            int s1 = engine.openSequence();
            engine.prefill(s1, tokens, 0, tokens.length, a);
            engine.closeSequence(s1);
            int s2 = chunked.openSequence();
            chunked.prefill(s2, tokens, 0, tokens.length, b);
            assertArrayEquals(a, b);
            // And prefill from an offset of the array.
            int[] padded = new int[tokens.length + 2];
            System.arraycopy(tokens, 0, padded, 2, tokens.length);
            int s3 = chunked.openSequence();
            chunked.prefill(s3, padded, 2, tokens.length, b);
            assertArrayEquals(a, b);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        float[] logits = new float[512 * 2];
        int seq = engine.openSequence();
        try {
            assertRefused("token 512", () -> engine.prefill(seq, new int[] {1, 512}, 0, 2, logits));
            assertRefused("token -1", () -> engine.prefill(seq, new int[] {-1}, 0, 1, logits));
            assertRefused("prefill range", () -> engine.prefill(seq, new int[] {1}, 0, 0, logits));
            assertRefused("prefill range", () -> engine.prefill(seq, new int[] {1}, 1, 1, logits));
            assertRefused("prefill range", () -> engine.prefill(seq, new int[] {1, 2}, -1, 1, logits));
            assertRefused("logits array shorter", () -> engine.prefill(seq, new int[] {1}, 0, 1, new float[511]));
            assertRefused("passes the context", () -> engine.prefill(seq, new int[513], 0, 513, logits));
            assertRefused("outside [0, 32)", () -> engine.prefill(32, new int[] {1}, 0, 1, logits));
            assertRefused("outside [0, 32)", () -> engine.prefill(-1, new int[] {1}, 0, 1, logits));
            assertRefused("twice in one batch", () -> engine.decode(new int[] {seq, seq}, new int[] {1, 1}, 2, logits));
            assertRefused("batch of 0", () -> engine.decode(new int[] {seq}, new int[] {1}, 0, logits));
            assertRefused("batch of 33", () -> engine.decode(new int[33], new int[33], 33, new float[33 * 512]));
            assertRefused("shorter than the batch", () -> engine.decode(new int[] {seq}, new int[] {1, 1}, 2, logits));
            assertRefused(
                    "logits array shorter", () -> engine.decode(new int[] {seq}, new int[] {1}, 1, new float[10]));
            assertRefused("null array", () -> engine.decode(null, new int[] {1}, 1, logits));
            assertRefused("null array", () -> engine.decode(new int[] {seq}, null, 1, logits));
            assertRefused("null array", () -> engine.decode(new int[] {seq}, new int[] {1}, 1, null));
            assertRefused("null array", () -> engine.prefill(seq, null, 0, 1, logits));
            assertRefused("null array", () -> engine.prefill(seq, new int[] {1}, 0, 1, null));
            assertEquals(0, engine.position(seq), "refusals leave the sequence as it was");
            int[] full = new int[512];
            Arrays.fill(full, 300);
            engine.prefill(seq, full, 0, 512, logits);
            assertRefused("end of the context", () -> engine.decode(new int[] {seq}, new int[] {1}, 1, logits));
            assertRefused("passes the context", () -> engine.prefill(seq, new int[] {1}, 0, 1, logits));
        } finally {
            engine.closeSequence(seq);
        }
        assertRefused("is not open", () -> engine.closeSequence(seq));
        assertRefused("is not open", () -> engine.position(seq));
        assertRefused("is not open", () -> engine.decode(new int[] {seq}, new int[] {1}, 1, logits));
        assertRefused("outside the pool", () -> engine.readKvBlock(-1));
        assertThrows(IllegalArgumentException.class, () -> cpu(5000));
        assertThrows(IllegalArgumentException.class, () -> cpu(1).withThreads(-1));
    }

    @Test
    void allSlotsOpenAndKvMemoryExhaustedAreRefused() {
        try (NativeEngine tight = NativeEngine.open(model(), cpu(2).withKvBlocks(16, 3))) {
            assertEquals(3, tight.kvBlocksTotal());
            int a = tight.openSequence();
            int b = tight.openSequence();
            assertRefused("sequences are open", tight::openSequence);
            int[] tokens = new int[40];
            float[] logits = new float[512];
            tight.prefill(a, tokens, 0, 40, logits);
            assertRefused("KV blocks", () -> tight.prefill(b, tokens, 0, 1, logits));
            assertEquals(0, tight.position(b));
            tight.closeSequence(a);
            tight.prefill(b, tokens, 0, 1, logits);
            assertEquals(1, tight.position(b));
        }
    }

    @Test
    void aClosedEngineRefusesEveryCall() {
        NativeEngine e = NativeEngine.open(model(), cpu(1));
        int seq = e.openSequence();
        e.close();
        e.close(); // idempotent
        assertRefused("closed", e::openSequence);
        assertRefused("closed", () -> e.position(seq));
        assertRefused("closed", () -> e.prefill(seq, new int[] {1}, 0, 1, new float[512]));
        assertRefused("closed", () -> e.decode(new int[] {seq}, new int[] {1}, 1, new float[512]));
        assertRefused("closed", () -> e.closeSequence(seq));
    }

    @Test
    void unreadableModelsAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertRefused("not found", () -> NativeEngine.open(dir.resolve("missing.bin"), cpu(1)));
        assertRefused("not found", () -> NativeEngine.open(dir, cpu(1)));
        byte[] bytes = Files.readAllBytes(model());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 4));
        assertRefused("header implies", () -> NativeEngine.open(cut, cpu(1)));
        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertRefused("too short", () -> NativeEngine.open(tiny, cpu(1)));
        if (!NativeEngine.cudaBuilt()) {
            assertRefused(
                    "CUDA backend unavailable",
                    () -> NativeEngine.open(model(), cpu(1).withBackend(NativeEngine.Backend.CUDA)));
        }
    }

    /**
     * A refused open carries exactly the engine's text: the error buffer is read up to its first NUL, so none of the
     * buffer's other bytes (earlier heap contents) reach the message.
     */
    @Test
    void aRefusedOpenCarriesExactlyTheEnginesText(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage.bin");
        byte[] filler = new byte[4096];
        Arrays.fill(filler, (byte) 0x7f);
        Files.write(garbage, filler);
        assertRefusedWith(
                "cannot open the model: model dim 2139062143 outside [2, 65536]",
                () -> NativeEngine.open(garbage, cpu(1)));

        Path gguf = dir.resolve("stories260K.gguf");
        dev.cloister.infer.model.LlamaGgufConverter.convert(
                model(),
                dev.cloister.infer.tokenizer.LlamaTokenizerFile.read(model().resolveSibling("tok512.bin")),
                dev.cloister.infer.model.GgmlType.F32,
                gguf);
        Path cutGguf = dir.resolve("cut.gguf");
        // magic, version, tensor count, metadata count, then 6 of the first key's 8 length bytes
        Files.write(cutGguf, Arrays.copyOf(Files.readAllBytes(gguf), 30));
        assertRefusedWith(
                "cannot open the model: GGUF: truncated while reading metadata key",
                () -> NativeEngine.open(cutGguf, cpu(1)));

        assertRefusedWith(
                "model file not found or not a regular file",
                () -> NativeEngine.open(dir.resolve("missing.gguf"), cpu(1)));
    }

    @Test
    void nativeTextIsReadUpToItsFirstNulAndNeverPastTheBuffer() {
        try (org.bytedeco.javacpp.BytePointer buffer = new org.bytedeco.javacpp.BytePointer(16)) {
            buffer.put("reason\0heap-byte".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 16);
            assertEquals("reason", NativeEngine.cString(buffer, 16));
            assertEquals("rea", NativeEngine.cString(buffer, 3));
            buffer.put(6, (byte) 'X');
            assertEquals("reasonXheap-byte", NativeEngine.cString(buffer, 16), "no NUL: the capacity bounds the read");
        }
    }

    static void assertRefusedWith(String message, org.junit.jupiter.api.function.Executable call) {
        String got = assertThrows(InferenceException.class, call).getMessage();
        assertTrue(
                got.chars().noneMatch(Character::isISOControl),
                () -> "control characters in: " + got.replaceAll("\\p{Cntrl}", "?"));
        assertEquals(message, got);
    }

    @Test
    void autoUsesCudaOnlyWhereAGpuIsUsableAndCudaRequestedWithoutOneIsRefused() {
        try (NativeEngine auto = NativeEngine.open(model(), cpu(1).withBackend(NativeEngine.Backend.AUTO))) {
            if (auto.backend() == NativeEngine.Backend.CPU) {
                assertRefused(
                        "CUDA backend unavailable",
                        () -> NativeEngine.open(model(), cpu(1).withBackend(NativeEngine.Backend.CUDA)));
            } else {
                assertTrue(NativeEngine.cudaBuilt());
                assertTrue(auto.backendDescription().startsWith("cuda "), auto.backendDescription());
            }
        }
    }

    static void assertRefused(String reason, org.junit.jupiter.api.function.Executable call) {
        InferenceException x = assertThrows(InferenceException.class, call);
        assertTrue(x.getMessage().contains(reason), () -> "expected '" + reason + "' in: " + x.getMessage());
    }

    /** What /proc/cpuinfo says of the AVX-512 the engine's VNNI kernels need (F, BW, VL, VNNI; AVX2 and FMA too). */
    private static boolean cpuHasAvx512Vnni() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    java.util.Set<String> flags = java.util.Set.of(
                            line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    return flags.containsAll(
                            java.util.List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"));
                }
            }
            return false;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
