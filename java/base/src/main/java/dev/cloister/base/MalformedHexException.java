package dev.cloister.base;

/**
 * Text that is not hex as {@link Hex#parse} accepts it. The message says where the text goes wrong (the index of the
 * first bad character, or the length), never the text itself, which may be longer than a log line should be.
 */
public final class MalformedHexException extends IllegalArgumentException {

    public MalformedHexException(String message) {
        super(message);
    }
}
