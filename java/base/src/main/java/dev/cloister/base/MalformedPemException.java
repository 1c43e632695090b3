package dev.cloister.base;

/** Text that is not PEM as {@link Pem} accepts it; the message names the line (and block) where it goes wrong. */
public final class MalformedPemException extends Exception {

    public MalformedPemException(String message) {
        super(message);
    }
}
