package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.chat.GgufChatTemplate;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufValue;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenerateCommandTest {

    @TempDir
    Path dir;

    @Test
    void greedyGenerationPrintsRunCsTextAndTokensPerSecond() {
        Path models = Path.of(System.getProperty("cloister.models"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertEquals(
                0,
                cli.execute(
                        "generate",
                        "--model",
                        models.resolve("stories260K.bin").toString(),
                        "--tokenizer",
                        models.resolve("tok512.bin").toString(),
                        "--prompt",
                        "Once upon a time",
                        "--steps",
                        "60",
                        "--backend",
                        "CPU",
                        "--threads",
                        "1"),
                err::toString);
        assertEquals(
                "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                        + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily",
                out.toString().strip());
        assertTrue(err.toString().contains("tokens/s"), err::toString);
        assertTrue(err.toString().contains("loading stories260K.bin"), err::toString);
    }

    /**
     * stories260K as a GGUF whose template wraps the user's message: without --raw the model gets the rendered
     * prompt (and only the answer is printed), with --raw the text as is.
     */
    @Test
    void aGgufPromptIsOneUserMessageInTheModelsTemplateUnlessRaw() throws IOException {
        Path models = Path.of(System.getProperty("cloister.models"));
        Path plain = dir.resolve("stories260K.gguf");
        LauncherRun convert = LauncherRun.of(
                "model",
                "convert",
                "--checkpoint",
                models.resolve("stories260K.bin").toString(),
                "--tokenizer",
                models.resolve("tok512.bin").toString(),
                "--type",
                "F32",
                "--out",
                plain.toString());
        assertEquals(0, convert.code(), convert.err());
        Path chat = withTemplate(
                plain,
                "{{ bos_token }}{% for m in messages %}{{ m.role|upper }}: {{ m.content }}{% endfor %}"
                        + "{% if add_generation_prompt %} Once upon a time{% endif %}");

        LauncherRun templated = generate(chat, "Tell me a story.", false);
        assertEquals(0, templated.code(), templated.err());
        LauncherRun raw = generate(chat, "USER: Tell me a story. Once upon a time", true);
        assertEquals(0, raw.code(), raw.err());
        String continuation = raw.out().strip().substring("USER: Tell me a story. Once upon a time".length());
        assertTrue(continuation.length() > 20, raw.out());
        assertEquals(continuation.strip(), templated.out().strip());
        assertTrue(templated.err().contains("tokens/s"), templated.err());
    }

    private static LauncherRun generate(Path model, String prompt, boolean raw) {
        String[] args = {
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            prompt,
            "--steps",
            "40",
            "--backend",
            "CPU",
            "--threads",
            "1"
        };
        if (raw) {
            args = Arrays.copyOf(args, args.length + 1);
            args[args.length - 1] = "--raw";
        }
        return LauncherRun.of(args);
    }

    /** A copy of a GGUF with {@code tokenizer.chat_template} added to its header; the tensor data is unchanged. */
    private Path withTemplate(Path gguf, String template) throws IOException {
        GgufFile file = GgufFile.open(gguf);
        Map<String, GgufValue> metadata = new LinkedHashMap<>(file.metadata());
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of(template));
        GgufFile withTemplate = GgufFile.of(metadata, file.tensors());
        byte[] bytes = Files.readAllBytes(gguf);
        byte[] header = withTemplate.writeHeader();
        Path out = dir.resolve("stories260K-chat.gguf");
        try (var stream = Files.newOutputStream(out)) {
            stream.write(header);
            stream.write(bytes, (int) file.dataOffset(), bytes.length - (int) file.dataOffset());
        }
        return out;
    }
}
