package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationVerifier;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The verifying side of RA-TLS: makes {@link RaTlsConnection}s that appraise the server's certificate inside the
 * certificate callback, before the handshake can complete, and abort with {@code bad_certificate} on any failure. With
 * an {@link EnclaveIdentity} of its own it also presents evidence (mutual RA-TLS between enclaves).
 */
public final class RaTlsClient {

    private final RaTlsPolicy policy;
    private final RaTlsVerifier verifier;
    /** The groups offered, most preferred first; each gets a key share in the ClientHello. */
    private final java.util.List<KeyExchange> groups;

    private final Optional<CertificateIssuer> identity;
    private final Duration handshakeTimeout;
    private final Clock clock;
    private final BcTlsCrypto crypto;

    RaTlsClient(
            RaTlsPolicy policy,
            AttestationVerifier verifier,
            KeyExchange group,
            Optional<? extends CertificateIssuer> identity,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        this(
                policy,
                verifier,
                java.util.List.of(Objects.requireNonNull(group, "group")),
                identity,
                handshakeTimeout,
                clock,
                random);
    }

    RaTlsClient(
            RaTlsPolicy policy,
            AttestationVerifier verifier,
            java.util.List<KeyExchange> groups,
            Optional<? extends CertificateIssuer> identity,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.verifier = new RaTlsVerifier(Objects.requireNonNull(verifier, "verifier"));
        this.groups = java.util.List.copyOf(groups);
        if (this.groups.isEmpty()
                || this.groups.size() != java.util.Set.copyOf(this.groups).size()) {
            throw new IllegalArgumentException("offer one or more distinct key exchanges, got " + groups);
        }
        this.identity = Objects.requireNonNull(identity, "identity").map(i -> i);
        this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.crypto = new BcTlsCrypto(Objects.requireNonNull(random, "random"));
    }

    /**
     * @param policy what the server must prove (accepted releases, roots, GPU)
     * @param verifier the process's evidence verifier (its chain cache is shared)
     * @param group the key exchange to offer
     * @param identity this side's own identity for mutual RA-TLS (an enclave calling another), or empty
     */
    public static RaTlsClient create(
            RaTlsPolicy policy,
            AttestationVerifier verifier,
            KeyExchange group,
            Optional<EnclaveIdentity> identity,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        return new RaTlsClient(policy, verifier, group, identity, handshakeTimeout, clock, random);
    }

    /**
     * A client that offers several key exchanges, most preferred first (e.g. {@link KeyExchange#DEFAULT_OFFER}), each
     * with its key share; the server picks one of them.
     */
    public static RaTlsClient create(
            RaTlsPolicy policy,
            AttestationVerifier verifier,
            java.util.List<KeyExchange> groups,
            Optional<EnclaveIdentity> identity,
            Duration handshakeTimeout,
            Clock clock,
            SecureRandom random) {
        return new RaTlsClient(policy, verifier, groups, identity, handshakeTimeout, clock, random);
    }

    /** A new connection whose ClientHello is already in {@link RaTlsConnection#takeOutgoing()}. */
    public RaTlsConnection connect() throws RaTlsException {
        RaTlsConnection.Outcome outcome = new RaTlsConnection.Outcome();
        TlsClientProtocol protocol = new TlsClientProtocol();
        try {
            protocol.connect(new Peer(outcome));
        } catch (IOException e) {
            throw RaTlsConnection.map(e);
        }
        return new RaTlsConnection(protocol, outcome, true, clock.instant().plus(handshakeTimeout));
    }

    /** The BouncyCastle client callbacks for one connection. */
    private final class Peer extends AbstractTlsClient {
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
        @SuppressWarnings("rawtypes")
        protected Vector getSupportedGroups(Vector namedGroupRoles) {
            return TlsProfile.vectorOf(
                    groups.stream().mapToInt(KeyExchange::namedGroup).toArray());
        }

        @Override
        @SuppressWarnings("rawtypes")
        public Vector getEarlyKeyShareGroups() {
            return TlsProfile.vectorOf(
                    groups.stream().mapToInt(KeyExchange::namedGroup).toArray());
        }

        @Override
        @SuppressWarnings("rawtypes")
        protected Vector getSupportedSignatureAlgorithms() {
            return TlsProfile.signatureAlgorithms();
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return TlsProfile.MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public TlsSession getSessionToResume() {
            return null;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.negotiated(context);
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    var chain = serverCertificate.getCertificate();
                    if (chain == null || chain.getLength() != 1) {
                        throw new TlsFatalAlert(
                                AlertDescription.bad_certificate,
                                "one certificate",
                                new RaTlsException(
                                        RaTlsException.Reason.MALFORMED_CERTIFICATE,
                                        "the server sent " + (chain == null ? 0 : chain.getLength())
                                                + " certificates, expected 1"));
                    }
                    byte[] clientRandom =
                            context.getSecurityParametersHandshake().getClientRandom();
                    try {
                        outcome.peer = verifier.verify(
                                clock.instant(),
                                RaTlsVerifier.PeerRole.SERVER,
                                clientRandom,
                                chain.getCertificateAt(0).getEncoded(),
                                policy);
                    } catch (RaTlsException e) {
                        throw new TlsFatalAlert(
                                AlertDescription.bad_certificate, e.reason().name(), e);
                    }
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    if (identity.isEmpty()) {
                        return null;
                    }
                    byte[] serverRandom =
                            context.getSecurityParametersHandshake().getServerRandom();
                    try {
                        return TlsProfile.signer(context, crypto, identity.get().forClientHandshake(serverRandom));
                    } catch (RaTlsException e) {
                        throw new TlsFatalAlert(
                                AlertDescription.internal_error, e.reason().name(), e);
                    }
                }
            };
        }
    }
}
