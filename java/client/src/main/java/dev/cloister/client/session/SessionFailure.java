package dev.cloister.client.session;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A private request that did not complete. {@link #kind()} says which layer refused it; {@link #retryable()} whether a
 * fresh session may succeed (an enclave gone, an overloaded gateway) — never for a verification failure, which aborts
 * before any user data is sent.
 */
public final class SessionFailure extends Exception {

    private static final long serialVersionUID = 1L;

    /** Which layer failed. */
    public enum Kind {
        KEY_CONSISTENCY(false),
        LEDGER(false),
        TOKEN(false),
        ATTESTATION(false),
        TRANSPORT(true),
        ENCLAVE(true),
        REQUEST(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }
    }

    private final Kind kind;
    private final boolean retryable;
    private final transient Optional<Duration> retryAfter;

    public SessionFailure(Kind kind, String message, Throwable cause) {
        this(kind, kind.retryable, message, cause);
    }

    public SessionFailure(Kind kind, boolean retryable, String message, Throwable cause) {
        this(kind, retryable, message, cause, Optional.empty());
    }

    /** @param retryAfter how long the server asked to wait before a retry (its {@code Retry-After}), if it did */
    public SessionFailure(
            Kind kind, boolean retryable, String message, Throwable cause, Optional<Duration> retryAfter) {
        super(message, cause);
        this.kind = kind;
        this.retryable = retryable;
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return retryable;
    }

    /**
     * How long to wait before a fresh session, as the gateway asked ({@code Retry-After} on its 503: a store or the
     * pool is briefly unavailable); at most {@code RetryAfter.MAX}. Empty: retry at once.
     */
    public Optional<Duration> retryAfter() {
        return retryAfter == null ? Optional.empty() : retryAfter;
    }
}
