package dev.cloister.infer;

/** A refused inference call: bad arguments, exhausted KV memory, an unreadable model file, a backend failure. */
public class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
