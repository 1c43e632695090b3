package dev.cloister.attest.ratls;

import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsProtocol;

/**
 * One RA-TLS connection, transport-independent: bytes from the peer go in with {@link #receive}, bytes for the peer
 * come out of {@link #takeOutgoing}. The same engine runs in memory, inside OHTTP messages and over sockets.
 *
 * <p>{@link #receive} may block while the server side waits for its hardware report (tens of milliseconds; longer
 * when batching): call it from a worker or virtual thread, never from an event loop. After a
 * {@link RaTlsException}, send what {@link #takeOutgoing} returns once (the alert) and drop the connection.
 * There is no resumption: no session ticket is issued or accepted, and closing drops every session key.
 */
public final class RaTlsConnection implements AutoCloseable {

    /** Filled in by the TLS callbacks of this connection. */
    static final class Outcome {
        volatile RaTlsAttestation peer;
        volatile boolean complete;
        volatile String cipherSuite;
        volatile String keyExchange;

        /** Records what the handshake negotiated (called from the peer's notifyHandshakeComplete). */
        void negotiated(org.bouncycastle.tls.TlsContext context) {
            org.bouncycastle.tls.SecurityParameters parameters = context.getSecurityParametersConnection();
            int suite = parameters.getCipherSuite();
            cipherSuite = switch (suite) {
                case org.bouncycastle.tls.CipherSuite.TLS_AES_128_GCM_SHA256 -> "TLS_AES_128_GCM_SHA256";
                case org.bouncycastle.tls.CipherSuite.TLS_CHACHA20_POLY1305_SHA256 -> "TLS_CHACHA20_POLY1305_SHA256";
                default -> String.format("0x%04x", suite);
            };
            keyExchange = org.bouncycastle.tls.NamedGroup.getName(parameters.getNegotiatedGroup());
            complete = true;
        }
    }

    private final TlsProtocol protocol;
    private final Outcome outcome;
    private final boolean peerMustBeAttested;
    private final Instant deadline;
    private RaTlsException failure;
    private boolean closed;

    RaTlsConnection(TlsProtocol protocol, Outcome outcome, boolean peerMustBeAttested, Instant deadline) {
        this.protocol = protocol;
        this.outcome = outcome;
        this.peerMustBeAttested = peerMustBeAttested;
        this.deadline = Objects.requireNonNull(deadline, "deadline");
    }

    /**
     * Feeds bytes received from the peer (any split: partial records are buffered).
     *
     * @throws RaTlsException if the handshake is refused (by us: the reason of the failed check; by the peer:
     *     {@link RaTlsException.Reason#PEER_ALERT}) or the bytes are not valid TLS
     */
    public synchronized void receive(byte[] data, int offset, int length) throws RaTlsException {
        ensureUsable();
        try {
            protocol.offerInput(data, offset, length);
        } catch (IOException | RuntimeException e) {
            failure = map(e);
            throw failure;
        }
        if (protocol.isClosed() && !outcome.complete) {
            failure = new RaTlsException(RaTlsException.Reason.PROTOCOL, "the peer closed during the handshake");
            throw failure;
        }
    }

    public void receive(byte[] data) throws RaTlsException {
        receive(data, 0, data.length);
    }

    /** Bytes to send to the peer now (possibly none). */
    public synchronized byte[] takeOutgoing() {
        int n = protocol.getAvailableOutputBytes();
        byte[] out = new byte[n];
        if (n > 0) {
            protocol.readOutput(out, 0, n);
        }
        return out;
    }

    /** Application data received and decrypted so far (possibly none). */
    public synchronized byte[] takeReceived() {
        int n = protocol.getAvailableInputBytes();
        byte[] in = new byte[n];
        if (n > 0) {
            protocol.readInput(in, 0, n);
        }
        return in;
    }

    /** Encrypts application data; the records are then in {@link #takeOutgoing}. Only after the handshake. */
    public synchronized void send(byte[] data, int offset, int length) throws RaTlsException {
        ensureUsable();
        if (!outcome.complete) {
            throw new IllegalStateException("application data before the handshake completed");
        }
        try {
            protocol.writeApplicationData(data, offset, length);
        } catch (IOException e) {
            failure = map(e);
            throw failure;
        }
    }

    public void send(byte[] data) throws RaTlsException {
        send(data, 0, data.length);
    }

    /** Whether the handshake completed (and, where required, the peer was attested). */
    public boolean isHandshakeComplete() {
        return outcome.complete && (!peerMustBeAttested || outcome.peer != null);
    }

    /**
     * The accepted peer, once the handshake completed: always for a client's view of its server; for a server only
     * in mutual RA-TLS.
     */
    public Optional<RaTlsAttestation> peer() {
        return isHandshakeComplete() ? Optional.ofNullable(outcome.peer) : Optional.empty();
    }

    /** The negotiated TLS 1.3 cipher suite (e.g. TLS_AES_128_GCM_SHA256), once the handshake completed. */
    public Optional<String> cipherSuite() {
        return isHandshakeComplete() ? Optional.ofNullable(outcome.cipherSuite) : Optional.empty();
    }

    /** The negotiated key exchange group (e.g. x25519, X25519MLKEM768), once the handshake completed. */
    public Optional<String> keyExchange() {
        return isHandshakeComplete() ? Optional.ofNullable(outcome.keyExchange) : Optional.empty();
    }

    /** Whether the peer closed the connection (close_notify received) or {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed || protocol.isClosed();
    }

    /**
     * Fails the connection if its handshake has not completed by its deadline (a stalled or slow peer). Transports call
     * this from a timer; it closes the connection (dropping its keys) and throws {@link RaTlsException.Reason#TIMEOUT}.
     */
    public synchronized void checkDeadline(Instant now) throws RaTlsException {
        if (isHandshakeComplete() || failure != null || closed) {
            return;
        }
        if (!now.isBefore(deadline)) {
            close();
            failure = new RaTlsException(RaTlsException.Reason.TIMEOUT, "handshake not complete by " + deadline);
            throw failure;
        }
    }

    public Instant deadline() {
        return deadline;
    }

    /** Sends close_notify (then in {@link #takeOutgoing}) and drops the session keys. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            protocol.close();
        } catch (IOException e) {
            // The connection is already failed: nothing more to send, and the keys are dropped either way.
        }
    }

    private void ensureUsable() throws RaTlsException {
        if (failure != null) {
            throw failure;
        }
        if (closed || protocol.isClosed()) {
            throw new RaTlsException(RaTlsException.Reason.CLOSED, "the connection is closed");
        }
    }

    static RaTlsException map(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RaTlsException r) {
                return r;
            }
        }
        if (e instanceof TlsFatalAlertReceived r) {
            return new RaTlsException(
                    RaTlsException.Reason.PEER_ALERT,
                    "the peer sent alert " + AlertDescription.getText(r.getAlertDescription()),
                    e);
        }
        if (e instanceof TlsFatalAlert a) {
            return new RaTlsException(
                    RaTlsException.Reason.PROTOCOL,
                    "alert " + AlertDescription.getText(a.getAlertDescription()) + ": " + a.getMessage(),
                    e);
        }
        return new RaTlsException(
                RaTlsException.Reason.PROTOCOL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "RaTlsConnection[complete=" + outcome.complete + ", attested=" + (outcome.peer != null) + "]";
    }
}
