package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationVerifier;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The enclave side of RA-TLS: makes {@link RaTlsConnection}s that present, in each handshake, a certificate whose
 * evidence is bound to that handshake's ClientHello.random. In mutual RA-TLS it also requests the client's
 * certificate and appraises it under {@link ClientAuthentication.MutualRaTls#policy()}.
 */
public final class RaTlsServer {

    /** Whether clients must attest themselves too. */
    public sealed interface ClientAuthentication {
        /** Clients are anonymous (users' devices). */
        record None() implements ClientAuthentication {}

        /** Clients are enclaves: their certificate must be bound to our ServerHello.random and pass {@code policy}. */
        record MutualRaTls(RaTlsPolicy policy, AttestationVerifier verifier) implements ClientAuthentication {
            public MutualRaTls {
                Objects.requireNonNull(policy, "policy");
                Objects.requireNonNull(verifier, "verifier");
            }
        }
    }

    private final CertificateIssuer identity;
    private final List<KeyExchange> groups;
    private final ClientAuthentication clients;
    private final Optional<RaTlsVerifier> clientVerifier;
    private final Duration handshakeTimeout;
    private final Clock clock;
    private final BcTlsCrypto crypto;

    RaTlsServer(
            CertificateIssuer identity,
            List<KeyExchange> groups,
            ClientAuthentication clients,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.groups = List.copyOf(groups);
        if (this.groups.isEmpty()) {
            throw new IllegalArgumentException("at least one key exchange");
        }
        this.clients = Objects.requireNonNull(clients, "clients");
        this.clientVerifier = clients instanceof ClientAuthentication.MutualRaTls m
                ? Optional.of(new RaTlsVerifier(m.verifier()))
                : Optional.empty();
        this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.crypto = new BcTlsCrypto(Objects.requireNonNull(random, "random"));
    }

    /**
     * @param identity the enclave's key and evidence
     * @param groups the key exchanges accepted (X25519, the ML-KEM hybrid, or both)
     * @param handshakeTimeout how long a handshake may take before {@link RaTlsConnection#checkDeadline} fails it
     */
    public static RaTlsServer create(
            EnclaveIdentity identity,
            List<KeyExchange> groups,
            ClientAuthentication clients,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        return new RaTlsServer(identity, groups, clients, handshakeTimeout, clock, random);
    }

    /** A new connection, waiting for a ClientHello. */
    public RaTlsConnection accept() {
        RaTlsConnection.Outcome outcome = new RaTlsConnection.Outcome();
        TlsServerProtocol protocol = new TlsServerProtocol();
        try {
            protocol.accept(new Peer(outcome));
        } catch (IOException e) {
            throw new IllegalStateException("a non-blocking server protocol does not fail before input", e);
        }
        return new RaTlsConnection(
                protocol, outcome, clientVerifier.isPresent(), clock.instant().plus(handshakeTimeout));
    }

    /** The BouncyCastle server callbacks for one connection. */
    private final class Peer extends AbstractTlsServer {
        private final RaTlsConnection.Outcome outcome;

        Peer(RaTlsConnection.Outcome outcome) {
            super(crypto);
            this.outcome = outcome;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return TlsProfile.VERSIONS;
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsProfile.CIPHER_SUITES;
        }

        @Override
        public int[] getSupportedGroups() {
            return groups.stream().mapToInt(KeyExchange::namedGroup).toArray();
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return TlsProfile.MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public TlsSession getSessionToResume(byte[] sessionId) {
            return null;
        }

        @Override
        public byte[] getNewSessionID() {
            return TlsUtils.EMPTY_BYTES;
        }

        @Override
        public TlsCredentials getCredentials() throws IOException {
            byte[] clientRandom = context.getSecurityParametersHandshake().getClientRandom();
            try {
                return TlsProfile.signer(context, crypto, identity.forServerHandshake(clientRandom));
            } catch (RaTlsException e) {
                throw new TlsFatalAlert(
                        AlertDescription.internal_error, e.reason().name(), e);
            }
        }

        @Override
        public CertificateRequest getCertificateRequest() throws IOException {
            if (clientVerifier.isEmpty()) {
                return null;
            }
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, TlsProfile.signatureAlgorithms(), null, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            if (clientVerifier.isEmpty() || !(clients instanceof ClientAuthentication.MutualRaTls m)) {
                throw new TlsFatalAlert(AlertDescription.unexpected_message, "no client certificate was requested");
            }
            if (clientCertificate == null || clientCertificate.isEmpty()) {
                throw new TlsFatalAlert(
                        AlertDescription.certificate_required,
                        "mutual RA-TLS",
                        new RaTlsException(
                                RaTlsException.Reason.MALFORMED_CERTIFICATE, "the client sent no certificate"));
            }
            if (clientCertificate.getLength() != 1) {
                throw new TlsFatalAlert(
                        AlertDescription.bad_certificate,
                        "one certificate",
                        new RaTlsException(
                                RaTlsException.Reason.MALFORMED_CERTIFICATE,
                                "the client sent " + clientCertificate.getLength() + " certificates, expected 1"));
            }
            byte[] serverRandom = context.getSecurityParametersHandshake().getServerRandom();
            try {
                outcome.peer = clientVerifier
                        .get()
                        .verify(
                                clock.instant(),
                                RaTlsVerifier.PeerRole.CLIENT,
                                serverRandom,
                                clientCertificate.getCertificateAt(0).getEncoded(),
                                m.policy());
            } catch (RaTlsException e) {
                throw new TlsFatalAlert(
                        AlertDescription.bad_certificate, e.reason().name(), e);
            }
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.negotiated(context);
        }
    }
}
