package dev.cloister.cli;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.SpecialTokens;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.server.command.UsageException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cloister model tokenize --model FILE.gguf (--text T | --file F)}: the token ids the model's own tokenizer
 * (SentencePiece or byte-level BPE, as the GGUF file says) gives a text, space-separated on one line.
 */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = "Print the token ids a GGUF model's tokenizer gives a text, space-separated on one line.")
final class ModelTokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A GGUF model (or vocabulary)")
    Path model;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text")
        String text;

        @Option(names = "--file", paramLabel = "FILE", description = "A file whose bytes (UTF-8) are the text")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(
            names = "--framing",
            defaultValue = "NONE",
            paramLabel = "FRAMING",
            description = "NONE: the text's tokens only; BOS: as the model frames a prompt; BOS_EOS: also EOS "
                    + "(default: ${DEFAULT-VALUE})")
    Framing framing;

    @Option(
            names = "--special",
            description = "Recognise control-token texts such as <|eot_id|> (only for a rendered chat template); "
                    + "without it they are plain text")
    boolean special;

    @Override
    public Integer call() throws Exception {
        byte[] utf8 = input.text != null ? input.text.getBytes(StandardCharsets.UTF_8) : read(input.file);
        try {
            Tokenizer tokenizer = GgufVocabulary.tokenizer(GgufFile.open(model));
            int[] ids = tokenizer.encode(utf8, framing, special ? SpecialTokens.RECOGNISED : SpecialTokens.AS_TEXT);
            PrintWriter out = spec.commandLine().getOut();
            out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            out.flush();
            return 0;
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    private static byte[] read(Path file) throws java.io.IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(Tokenizer.MAX_TEXT_BYTES + 1);
            if (bytes.length > Tokenizer.MAX_TEXT_BYTES) {
                throw new UsageException("--file " + file, "longer than " + Tokenizer.MAX_TEXT_BYTES + " bytes");
            }
            return bytes;
        }
    }
}
