package dev.cloister.tokens.json;

/** Malformed or oversized JSON text, with the offset where parsing stopped. */
public final class JsonException extends Exception {
    private final int offset;

    public JsonException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
