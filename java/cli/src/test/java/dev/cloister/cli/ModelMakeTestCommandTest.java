package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model make-test} and {@code model info}, through the launcher's command line. */
class ModelMakeTestCommandTest {

    @TempDir
    Path dir;

    /** A GGUF holding tok512's vocabulary (stories260K converted). */
    private Path vocabulary() {
        Path models = Path.of(System.getProperty("cloister.models"));
        Path out = dir.resolve("stories260K.gguf");
        LauncherRun run = LauncherRun.of(
                "model",
                "convert",
                "--checkpoint",
                models.resolve("stories260K.bin").toString(),
                "--tokenizer",
                models.resolve("tok512.bin").toString(),
                "--out",
                out.toString());
        assertEquals(0, run.code(), run.err());
        return out;
    }

    @Test
    void makesATinyQwen3AndDescribesIt() {
        Path out = dir.resolve("qwen3.gguf");
        LauncherRun made = LauncherRun.of(
                "model",
                "make-test",
                "--arch",
                "qwen3",
                "--shape",
                "tiny",
                "--type",
                "q4_k_m",
                "--seed",
                "3",
                "--vocab-from",
                vocabulary().toString(),
                "--out",
                out.toString());
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().startsWith("wrote " + out + " ("), made.out());
        assertTrue(made.out().contains("cloister-test-qwen3-tiny-q4_k_m-seed3"), made.out());
        assertEquals("qwen3", GgufFile.open(out).string("general.architecture"));

        LauncherRun info = LauncherRun.of("model", "info", out.toString());
        assertEquals(0, info.code(), info.err());
        List<String> lines = info.out().lines().toList();
        assertTrue(lines.get(0).startsWith("file: "), info.out());
        assertTrue(lines.contains("architecture: qwen3"), info.out());
        assertTrue(lines.contains("file type: Q4_K_M (general.file_type 15)"), info.out());
        assertTrue(
                lines.contains("shape: embedding 256, feed-forward 768, layers 4, heads 4, kv heads 2, context 512"),
                info.out());
        assertTrue(lines.contains("rope: base 1000000.0, dimensions 64; rms epsilon 1.0E-6"), info.out());
        assertTrue(lines.contains("classifier: output.weight"), info.out());
        // 11 tensors in each of 4 layers, token_embd, output_norm, output. Q4_K: token_embd, attn_q/k/output and
        // ffn_gate/up of every layer, attn_v/ffn_down of layers 0 and 1; Q6_K: attn_v/ffn_down of layers 2 and 3
        // (llama.cpp's
        // use_more_bits for 4 layers) and the classifier; F32: the 4 norms of each layer and output_norm.
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("tensors: 47 (F32 17, Q4_K 25, Q6_K 5)")), info.out());
        assertTrue(lines.contains("vocabulary: llama, 512 tokens, bos 1, eos 2"), info.out());
        assertTrue(lines.contains("chat template: none"), info.out());
    }

    @Test
    void aHuggingFaceTokenizerGivesTheModelItsVocabularyAndChatTemplate() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [
                   {"id": 4, "content": "<|im_start|>", "special": true},
                   {"id": 5, "content": "<|im_end|>", "special": true}],
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
                 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3}, "merges": ["a b"]}}
                """);
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": false, "bos_token": null, "eos_token": "<|im_end|>",
                 "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>{% endfor %}"}
                """);
        Path out = dir.resolve("chat.gguf");
        LauncherRun run = LauncherRun.of(
                "model",
                "make-test",
                "--arch",
                "qwen2",
                "--shape",
                "tiny",
                "--type",
                "f32",
                "--tokenizer",
                tokenizer.toString(),
                "--chat-template-from",
                config.toString(),
                "--out",
                out.toString());
        assertEquals(0, run.code(), run.err());
        GgufFile gguf = GgufFile.open(out);
        assertEquals("gpt2", gguf.string("tokenizer.ggml.model"));
        assertTrue(gguf.string("tokenizer.chat_template").contains("<|im_start|>"));
        LauncherRun both = LauncherRun.of(
                "model",
                "make-test",
                "--arch",
                "qwen2",
                "--shape",
                "tiny",
                "--tokenizer",
                tokenizer.toString(),
                "--vocab-from",
                out.toString(),
                "--out",
                dir.resolve("x.gguf").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("give exactly one of them"), both.err());
    }

    @Test
    void badOptionsAreUsageErrors() {
        LauncherRun arch = LauncherRun.of(
                "model", "make-test", "--arch", "gpt2", "--shape", "tiny", "--vocab-from", "v", "--out", "o");
        assertEquals(2, arch.code());
        assertEquals(
                "cloister model make-test: --arch gpt2: unknown architecture 'gpt2' (known: [llama3, qwen2, qwen3])",
                arch.err().strip());
        LauncherRun type = LauncherRun.of(
                "model",
                "make-test",
                "--arch",
                "qwen2",
                "--shape",
                "tiny",
                "--type",
                "q2_k",
                "--vocab-from",
                "v",
                "--out",
                "o");
        assertEquals(2, type.code());
        assertTrue(type.err().contains("--type q2_k: unknown weight type 'q2_k'"), type.err());
        Path missing = dir.resolve("none.gguf");
        LauncherRun vocabulary = LauncherRun.of(
                "model",
                "make-test",
                "--arch",
                "qwen2",
                "--shape",
                "tiny",
                "--vocab-from",
                missing.toString(),
                "--out",
                dir.resolve("o.gguf").toString());
        assertEquals(2, vocabulary.code(), vocabulary.err());
        assertTrue(vocabulary.err().contains("no such file or directory"), vocabulary.err());
        assertEquals(2, LauncherRun.of("model", "info", missing.toString()).code());
    }

    @Test
    void infoRefusesAFileThatIsNotGguf() throws Exception {
        Path notGguf = dir.resolve("x.gguf");
        Files.writeString(notGguf, "not a model");
        LauncherRun info = LauncherRun.of("model", "info", notGguf.toString());
        assertEquals(1, info.code());
        assertTrue(info.err().contains("GGUF: bad magic"), info.err());
    }
}
