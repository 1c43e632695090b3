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
        Path models = NativeEngineTest.model().getParent();
        Path out = dir.resolve("stories260K-" + type + ".gguf");
        Process p = new ProcessBuilder(
                        converter().toString(),
                        models.resolve("stories260K.bin").toString(),
                        models.resolve("tok512.bin").toString(),
                        out.toString(),
                        type)
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "converter finished");
        assertEquals(0, p.exitValue(), log);
        return out;
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
