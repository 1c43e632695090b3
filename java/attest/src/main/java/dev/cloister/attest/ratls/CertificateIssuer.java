package dev.cloister.attest.ratls;

import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** Gives the certificate (and the key that proves possession of it) for one handshake. */
interface CertificateIssuer {

    /** As TLS server: evidence bound to the ClientHello.random. */
    Credential forServerHandshake(byte[] clientRandom) throws RaTlsException;

    /** As TLS client in mutual RA-TLS: evidence bound to the ServerHello.random. */
    Credential forClientHandshake(byte[] serverRandom) throws RaTlsException;

    /** A certificate and its private key (which never leaves this process). */
    record Credential(RaTlsCertificate certificate, Ed25519PrivateKeyParameters key) {
        public Credential {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "Credential[" + certificate + "]";
        }
    }
}
