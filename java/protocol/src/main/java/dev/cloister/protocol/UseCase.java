package dev.cloister.protocol;

import java.util.Optional;

/** What the enclave does for a client, each at its own path inside the RA-TLS session. */
public enum UseCase {
    /** Summarize a list of chat messages. */
    SUMMARIZE("/v1/summarize"),
    /** Rewrite a draft in a tone. */
    REWRITE("/v1/rewrite");

    private final String path;

    UseCase(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** The name the request log and the CLI use ({@code summarize}, {@code rewrite}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<UseCase> ofPath(String path) {
        for (UseCase useCase : values()) {
            if (useCase.path.equals(path)) {
                return Optional.of(useCase);
            }
        }
        return Optional.empty();
    }
}
