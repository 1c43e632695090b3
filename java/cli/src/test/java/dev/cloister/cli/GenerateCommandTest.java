package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GenerateCommandTest {

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
}
