package dev.cloister.infer.model;

import dev.cloister.infer.InferenceException;

/** A model, tokenizer or GGUF file that does not parse: truncated, oversize, of an unknown type or inconsistent. */
public final class ModelFormatException extends InferenceException {

    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
