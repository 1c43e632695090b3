package dev.cloister.client.session;

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

    public SessionFailure(Kind kind, String message, Throwable cause) {
        this(kind, kind.retryable, message, cause);
    }

    public SessionFailure(Kind kind, boolean retryable, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryable = retryable;
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return retryable;
    }
}
