package dev.cloister.infer.model;

import dev.cloister.infer.InferenceException;

/** A model could not be obtained: npm missing or failing, a download that does not verify, a cache not writable. */
public final class ModelFetchException extends InferenceException {

    private static final long serialVersionUID = 1L;

    public ModelFetchException(String message) {
        super(message);
    }

    public ModelFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
