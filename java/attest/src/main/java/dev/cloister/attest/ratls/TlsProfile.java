package dev.cloister.attest.ratls;

import java.util.Vector;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/** The one TLS profile RA-TLS speaks: TLS 1.3 only, two AEADs, Ed25519 certificates, no resumption. */
final class TlsProfile {

    static final ProtocolVersion[] VERSIONS = ProtocolVersion.TLSv13.only();
    static final int[] CIPHER_SUITES = {CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256};
    /** Room for the largest RA-TLS certificate in a Certificate message. */
    static final int MAX_HANDSHAKE_MESSAGE = RaTlsCertificate.MAX_DER + 1024;

    private TlsProfile() {}

    @SuppressWarnings({"rawtypes", "unchecked"})
    static Vector signatureAlgorithms() {
        Vector v = new Vector();
        v.add(SignatureAndHashAlgorithm.ed25519);
        return v;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static Vector vectorOf(int... values) {
        Vector v = new Vector();
        for (int x : values) {
            v.add(x);
        }
        return v;
    }

    /** The TLS 1.3 credentials for a certificate: a one-entry chain and the Ed25519 signer of CertificateVerify. */
    static BcDefaultTlsCredentialedSigner signer(
            org.bouncycastle.tls.TlsContext context, BcTlsCrypto crypto, CertificateIssuer.Credential credential)
            throws java.io.IOException {
        org.bouncycastle.tls.Certificate chain =
                new org.bouncycastle.tls.Certificate(TlsUtils.EMPTY_BYTES, new org.bouncycastle.tls.CertificateEntry[] {
                    new org.bouncycastle.tls.CertificateEntry(
                            crypto.createCertificate(
                                    credential.certificate().der().toByteArray()),
                            null)
                });
        return new BcDefaultTlsCredentialedSigner(
                new TlsCryptoParameters(context), crypto, credential.key(), chain, SignatureAndHashAlgorithm.ed25519);
    }
}
