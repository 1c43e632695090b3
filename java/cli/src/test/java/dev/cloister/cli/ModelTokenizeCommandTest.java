package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model tokenize} with the Llama 3 vocabulary of testdata/tokenizers (ids as llama.cpp gives them). */
class ModelTokenizeCommandTest {

    @TempDir
    Path dir;

    private Path llama3;

    @BeforeEach
    void unpackTheVocabulary() throws IOException {
        Path packed = Path.of("../../testdata/tokenizers/llama3/vocab.gguf.gz");
        assertTrue(Files.isRegularFile(packed), "missing " + packed);
        llama3 = dir.resolve("llama3.gguf");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(packed))) {
            Files.copy(in, llama3);
        }
    }

    private static LauncherRun run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "model";
        all[1] = "tokenize";
        System.arraycopy(args, 0, all, 2, args.length);
        return LauncherRun.of(all);
    }

    @Test
    void printsTheIdsOnOneLine() {
        LauncherRun run = run("--model", llama3.toString(), "--text", "Hello world");
        assertEquals(0, run.code(), run.err());
        assertEquals("9906 1917\n", run.out().replace("\r\n", "\n"));
        assertEquals(
                "128000 9906 1917",
                run("--model", llama3.toString(), "--text", "Hello world", "--framing", "BOS")
                        .out()
                        .strip());
    }

    @Test
    void controlTokenTextsAreTextUnlessAsked() {
        assertEquals(
                "27 91 68 354 851 91 29",
                run("--model", llama3.toString(), "--text", "<|eot_id|>").out().strip());
        assertEquals(
                "128009",
                run("--model", llama3.toString(), "--text", "<|eot_id|>", "--special")
                        .out()
                        .strip());
    }

    @Test
    void readsTheTextFromAFile() throws IOException {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "Hello world", StandardCharsets.UTF_8);
        assertEquals(
                "9906 1917",
                run("--model", llama3.toString(), "--file", text.toString())
                        .out()
                        .strip());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertEquals(2, run("--model", llama3.toString()).code(), "no text");
        assertEquals(
                2,
                run("--model", llama3.toString(), "--text", "a", "--file", "b").code(),
                "both");
        LauncherRun missing = run("--model", dir.resolve("none.gguf").toString(), "--text", "a");
        assertTrue(missing.code() != 0, missing.err());
        assertTrue(missing.err().startsWith("cloister model tokenize: "), missing.err());
        LauncherRun notGguf =
                run("--model", dir.resolve("none.gguf").getParent().toString(), "--text", "a");
        assertTrue(notGguf.code() != 0, notGguf.err());
    }
}
