package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.reference.ReferenceTransformer;
import dev.cloister.infer.sampling.Sampler;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaGgufConverterTest {

    private static final Vocabulary TOK512 = LlamaTokenizerFile.read(TestModels.tok512());
    private static final int[] PROMPT = {1, 403, 407, 261, 378};

    @TempDir
    Path dir;

    private Path convert(GgmlType type) {
        Path out = dir.resolve("stories260K-" + type + ".gguf");
        LlamaGgufConverter.convert(TestModels.stories260k(), TOK512, type, out);
        return out;
    }

    /** Logits after the prompt, then after each of a few greedy steps, concatenated. */
    private static float[] logits(ReferenceTransformer model, int steps) {
        int vocab = model.shape().vocabSize();
        float[] all = new float[vocab * (steps + 1)];
        float[] row = new float[vocab];
        int seq = model.openSequence();
        model.prefill(seq, PROMPT, 0, PROMPT.length, row);
        System.arraycopy(row, 0, all, 0, vocab);
        for (int s = 1; s <= steps; s++) {
            model.decode(new int[] {seq}, new int[] {Sampler.argmax(row, 0, vocab)}, 1, row);
            System.arraycopy(row, 0, all, s * vocab, vocab);
        }
        return all;
    }

    private static double maxRelativeError(float[] expected, float[] actual) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst / scale;
    }

    @Test
    void anF32ConversionGivesIdenticalLogitsAndTheSameTokenizer() throws Exception {
        Path gguf = convert(GgmlType.F32);
        GgufFile file = GgufFile.open(gguf);
        assertEquals(1 + 5 * 9 + 1, file.tensors().size(), "shared classifier: no output.weight");
        assertEquals("llama", file.string("general.architecture"));
        GgufTensorInfo embedding = file.tensors().get(0);
        assertEquals("token_embd.weight", embedding.name());
        assertArrayEquals(new long[] {64, 512}, embedding.dimensions());
        byte[] bytes = Files.readAllBytes(gguf);
        byte[] checkpoint = Files.readAllBytes(TestModels.stories260k());
        assertArrayEquals(
                Arrays.copyOfRange(checkpoint, 28, 28 + 512 * 64 * 4),
                Arrays.copyOfRange(bytes, (int) file.dataOffset(), (int) file.dataOffset() + 512 * 64 * 4),
                "F32 tensors are the checkpoint's bytes");
        Tokenizer tokenizer = new SentencePieceTokenizer(GgufVocabulary.read(file));
        assertArrayEquals(PROMPT, tokenizer.encode(TestModels.REFERENCE_PROMPT, Framing.BOS));
        try (ReferenceTransformer fromBin = ReferenceTransformer.load(TestModels.stories260k(), 1);
                ReferenceTransformer fromGguf = ReferenceTransformer.loadGguf(gguf, 1)) {
            assertEquals(fromBin.shape(), fromGguf.shape());
            assertArrayEquals(logits(fromBin, 8), logits(fromGguf, 8));
        }
    }

    @Test
    void reducedPrecisionConversionsStayCloseToF32() {
        float[] reference;
        try (ReferenceTransformer fromBin = ReferenceTransformer.load(TestModels.stories260k(), 1)) {
            reference = logits(fromBin, 4);
        }
        for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0}) {
            Path gguf = convert(type);
            GgufFile file = GgufFile.open(gguf);
            GgufTensorInfo q = file.tensors().stream()
                    .filter(t -> t.name().equals("blk.0.attn_q.weight"))
                    .findFirst()
                    .orElseThrow();
            GgufTensorInfo down = file.tensors().stream()
                    .filter(t -> t.name().equals("blk.0.ffn_down.weight"))
                    .findFirst()
                    .orElseThrow();
            GgufTensorInfo norm = file.tensors().stream()
                    .filter(t -> t.name().equals("blk.0.attn_norm.weight"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(type, q.type());
            assertEquals(GgmlType.F32, norm.type(), "norms stay F32");
            assertEquals(
                    type == GgmlType.Q8_0 ? GgmlType.F32 : type,
                    down.type(),
                    "rows of 172 are not whole Q8_0 blocks: F32");
            try (ReferenceTransformer fromGguf = ReferenceTransformer.loadGguf(gguf, 1)) {
                double error = maxRelativeError(reference, logits(fromGguf, 4));
                double bound = switch (type) {
                    case F16 -> 2e-3;
                    case BF16 -> 3e-2;
                    default -> 3e-2;
                };
                assertTrue(error < bound, type + ": max error " + error + " relative to the largest logit");
            }
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, LlamaGgufConverter.toBfloat16(1f));
        assertEquals((short) 0x3F80, LlamaGgufConverter.toBfloat16(Float.intBitsToFloat(0x3F808000)), "tie: even");
        assertEquals((short) 0x3F82, LlamaGgufConverter.toBfloat16(Float.intBitsToFloat(0x3F818000)), "tie: even");
        assertEquals((short) 0x3F81, LlamaGgufConverter.toBfloat16(Float.intBitsToFloat(0x3F808001)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(LlamaGgufConverter.toBfloat16(Float.NaN) << 16)));
    }

    @Test
    void q8BlocksRoundTripWithinHalfAStep() {
        float[] row = new float[64];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) Math.sin(i * 0.7) * (i < 32 ? 3f : 0.01f);
        }
        ByteBuffer buffer = ByteBuffer.allocate(68).order(ByteOrder.LITTLE_ENDIAN);
        LlamaGgufConverter.encodeRow(row, GgmlType.Q8_0, buffer);
        assertEquals(68, buffer.position());
        GgufTensorInfo info = new GgufTensorInfo("t", new long[] {64}, GgmlType.Q8_0, 0);
        GgufFile file = GgufFile.of(java.util.Map.of(), java.util.List.of(info));
        ByteBuffer whole = ByteBuffer.allocate((int) file.dataOffset() + 68);
        whole.put((int) file.dataOffset(), buffer.array(), 0, 68);
        float[] back = new float[64];
        GgufTensorData.toFloats(file, whole, info, back, 0);
        for (int block = 0; block < 2; block++) {
            float max = 0;
            for (int i = 0; i < 32; i++) {
                max = Math.max(max, Math.abs(row[block * 32 + i]));
            }
            for (int i = 0; i < 32; i++) {
                assertEquals(row[block * 32 + i], back[block * 32 + i], max / 127 * 0.51 + 1e-3 * max);
            }
        }
    }

    @Test
    void badInputsAreRefused() {
        Vocabulary small = LlamaTokenizerFile.vocabulary(new LlamaTokenizerFile.Contents(
                6,
                LlamaTokenizerFile.parse(bytesOf(TestModels.tok512())).entries().subList(0, 300)));
        assertThrows(
                ModelFormatException.class,
                () -> LlamaGgufConverter.convert(TestModels.stories260k(), small, GgmlType.F32, dir.resolve("x.gguf")));
        assertThrows(
                IllegalArgumentException.class,
                () -> LlamaGgufConverter.convert(
                        TestModels.stories260k(), TOK512, GgmlType.Q4_K, dir.resolve("x.gguf")));
    }

    private static byte[] bytesOf(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
