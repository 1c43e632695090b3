package dev.cloister.infer.model;

import java.nio.file.Path;

/**
 * A llama2.c model on disk: its checkpoint and its tokenizer.
 *
 * @param checkpoint the {@code model.bin}
 * @param tokenizer the {@code tokenizer.bin}
 */
public record ModelFiles(Path checkpoint, Path tokenizer) {}
