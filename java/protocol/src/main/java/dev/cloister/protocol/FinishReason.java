package dev.cloister.protocol;

import java.util.Locale;
import java.util.Optional;

/** Why an answer ended, as the enclave reports it in the answer's last line. */
public enum FinishReason {
    /** The model produced its end-of-text token. */
    END_OF_TEXT,
    /** The answer reached the most tokens the request or the enclave allows. */
    MAX_TOKENS,
    /** A stop string appeared. */
    STOP_STRING,
    /** The sequence reached the model's context length. */
    CONTEXT_FULL,
    /** The session ended before the answer did. */
    CANCELLED,
    /** The session's deadline passed. */
    DEADLINE,
    /** The client stopped reading the answer: the enclave paused it longer than it allows, then ended it. */
    STALLED,
    /** The engine failed. */
    FAILED,
    /** The enclave is shutting down. */
    SHUTDOWN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<FinishReason> ofWireName(String name) {
        for (FinishReason reason : values()) {
            if (reason.wireName().equals(name)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
