package dev.cloister.infer.model;

import java.nio.file.Path;

/**
 * A model on disk: a llama2.c checkpoint and its tokenizer, or a GGUF file, which carries its own vocabulary and chat
 * template.
 *
 * @param checkpoint the {@code model.bin} or the {@code .gguf} file
 * @param tokenizer the {@code tokenizer.bin}; null for a GGUF file
 */
public record ModelFiles(Path checkpoint, Path tokenizer) {

    /** A GGUF model: the vocabulary and the chat template are in the file. */
    public static ModelFiles gguf(Path file) {
        return new ModelFiles(file, null);
    }

    public boolean isGguf() {
        return tokenizer == null;
    }
}
