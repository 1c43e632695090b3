package dev.cloister.cli;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.testmodel.TestModelArchitecture;
import dev.cloister.infer.model.testmodel.TestModelFileType;
import dev.cloister.infer.model.testmodel.TestModelShape;
import dev.cloister.infer.model.testmodel.TestModelSpec;
import dev.cloister.infer.model.testmodel.TestModelWriter;
import dev.cloister.infer.tokenizer.HuggingFaceTokenizerFile;
import dev.cloister.server.command.UsageException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cloister model make-test}: a GGUF model with random weights in a real model's shape, for tests and benchmarks
 * (see {@link TestModelWriter}).
 */
@Command(
        name = "make-test",
        mixinStandardHelpOptions = true,
        description = "Write a GGUF model with random weights (normal, std 0.02; norms near 1) in the tensor layout "
                + "and metadata llama.cpp reads, quantized as llama.cpp mixes the type. The same options give the "
                + "same bytes.")
final class ModelMakeTestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "llama3 | qwen2 | qwen3")
    String architecture;

    @Option(
            names = "--shape",
            required = true,
            paramLabel = "SHAPE",
            description = "tiny | smollm2-135m | llama3.2-1b (the published models' hyper-parameters)")
    String shape;

    @Option(
            names = "--type",
            defaultValue = "f32",
            paramLabel = "TYPE",
            description =
                    "f32 | f16 | bf16 | q8_0 | q4_0 | q4_k_m | q5_k_s | q5_k_m | q6_k (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the random weights")
    long seed;

    @Option(
            names = "--vocab-from",
            paramLabel = "FILE.gguf",
            description = "A GGUF file whose tokenizer.* metadata (the vocabulary) is copied; its token count is the "
                    + "model's vocabulary size")
    Path vocabularyFrom;

    @Option(
            names = "--tokenizer",
            paramLabel = "tokenizer.json",
            description =
                    "Or: a Hugging Face tokenizer.json whose vocabulary, merges and special tokens the model gets")
    Path tokenizerJson;

    @Option(
            names = "--chat-template-from",
            paramLabel = "tokenizer_config.json",
            description = "With --tokenizer: the tokenizer_config.json whose chat template, BOS/EOS and add_bos_token "
                    + "the model gets")
    Path tokenizerConfig;

    @Option(names = "--out", required = true, paramLabel = "FILE.gguf", description = "The GGUF file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        TestModelArchitecture arch = parse("--arch", architecture, TestModelArchitecture::of);
        TestModelSpec model = new TestModelSpec(
                arch,
                parse("--shape", shape, name -> TestModelShape.of(name, arch)),
                parse("--type", type, TestModelFileType::of),
                seed);
        if ((vocabularyFrom == null) == (tokenizerJson == null)) {
            throw new UsageException("--vocab-from / --tokenizer", "give exactly one of them");
        }
        if (tokenizerConfig != null && tokenizerJson == null) {
            throw new UsageException("--chat-template-from " + tokenizerConfig, "needs --tokenizer");
        }
        for (Path input : new Path[] {vocabularyFrom, tokenizerJson, tokenizerConfig}) {
            if (input != null && !Files.isRegularFile(input))
                throw new UsageException(input.toString(), "no such file or directory");
        }
        Map<String, GgufValue> vocabulary = vocabularyFrom != null
                ? TestModelWriter.vocabularyOf(GgufFile.open(vocabularyFrom))
                : HuggingFaceTokenizerFile.ggufMetadata(tokenizerJson, Optional.ofNullable(tokenizerConfig));
        GgufFile written = TestModelWriter.write(model, vocabulary, out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("wrote " + out + " (" + Files.size(out) + " bytes, "
                + written.tensors().size() + " tensors, " + model.name() + ")");
        stdout.flush();
        return 0;
    }

    /** A value parsed from an option, or a usage error naming the option and the value. */
    private static <T> T parse(String option, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + " " + value, e.getMessage());
        }
    }
}
