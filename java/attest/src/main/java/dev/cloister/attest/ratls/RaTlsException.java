package dev.cloister.attest.ratls;

import java.io.Serial;
import java.util.Objects;

/**
 * An RA-TLS handshake or session failed. {@link #reason()} says which check or which fault, the message says what was
 * expected and what was found. Messages never carry key material or application data.
 */
public final class RaTlsException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Why a handshake was refused or a session ended. */
    public enum Reason {
        /** The peer's certificate message is not one certificate of the expected shape (DER, Ed25519, extension). */
        MALFORMED_CERTIFICATE,
        /** The certificate is outside its validity at the verifier's time, or its lifetime exceeds the policy's. */
        CERTIFICATE_NOT_VALID_NOW,
        /** The certificate carries no (or an unreadable) evidence extension or bundle. */
        MALFORMED_EVIDENCE,
        /** The CPU evidence was refused by the evidence verifier (signature, untrusted root, measurement, TCB...). */
        CPU_EVIDENCE_REFUSED,
        /** The GPU evidence was refused by the evidence verifier, or is missing where the policy requires it. */
        GPU_EVIDENCE_REFUSED,
        /** The GPU evidence is older than the policy allows, or claims a time in the future. */
        GPU_EVIDENCE_STALE,
        /**
         * REPORT_DATA does not commit to this handshake: another nonce (client random), another certificate key or
         * another GPU evidence than the one carried.
         */
        BINDING_MISMATCH,
        /** The batch Merkle path is malformed, or batching is refused by the policy. */
        BATCH_PATH_INVALID,
        /** The peer sent a fatal alert (for example bad_certificate because it refused our evidence). */
        PEER_ALERT,
        /** The bytes received are not a valid TLS 1.3 handshake or record stream for this profile. */
        PROTOCOL,
        /** The handshake did not finish before its deadline (a stalled or slow peer). */
        TIMEOUT,
        /** Our own evidence could not be produced (the platform failed or is busy beyond the deadline). */
        EVIDENCE_UNAVAILABLE,
        /** The connection is closed. */
        CLOSED
    }

    private final Reason reason;

    public RaTlsException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public RaTlsException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
