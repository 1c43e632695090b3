package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RevocationCheck;
import dev.cloister.base.Hex;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Checks a supplied OCSP response (RFC 6960, DER; no network) about one certificate of the GPU device chain:
 * response status successful, a basic response signed with ECDSA by the certificate's issuer or by a responder
 * certificate that the issuer signed for OCSP signing (id-kp-OCSPSigning, valid at {@code now}), a single response for
 * exactly this certificate (issuer name and key hashes, serial), status good, thisUpdate ≤ now ≤ nextUpdate (a
 * response without nextUpdate is refused). Signature checks are remembered by the SHA-256 of the response and of the
 * issuer.
 */
final class NvidiaOcsp {

    static final int MAX_BYTES = 16 * 1024;
    private static final Set<String> ECDSA =
            Set.of("1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4");
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    void check(Instant now, byte[] der, X509Certificate cert, X509Certificate issuer, RevocationCheck rule)
            throws AttestationException {
        String name = cert.getSubjectX500Principal().getName();
        BasicOCSPResp basic;
        try {
            OCSPResp resp = new OCSPResp(der);
            if (!Arrays.equals(resp.getEncoded(), der)) {
                throw new AttestationException("OCSP response for " + name + " is not in DER");
            }
            if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
                throw new AttestationException("OCSP response for " + name + " has status " + resp.getStatus());
            }
            if (!(resp.getResponseObject() instanceof BasicOCSPResp b)) {
                throw new AttestationException("OCSP response for " + name + " is not a basic response");
            }
            basic = b;
        } catch (IOException | OCSPException | RuntimeException e) {
            throw new AttestationException("OCSP response for " + name + " is malformed: " + e.getMessage(), e);
        }
        if (!ECDSA.contains(basic.getSignatureAlgOID().getId())) {
            throw AttestationException.mismatch(
                    "OCSP response signature algorithm",
                    "ECDSA with SHA-2",
                    basic.getSignatureAlgOID().getId());
        }
        try {
            X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
            String key = Hex.format(sha256(der)) + Hex.format(sha256(issuer.getEncoded()));
            if (!verified.contains(key)) {
                if (!signedBy(basic, issuerHolder, now)) {
                    throw new AttestationException("OCSP response for " + name + ": signature does not verify with "
                            + "the issuer or a responder it delegated to");
                }
                if (verified.size() > 1024) {
                    verified.clear();
                }
                verified.add(key);
            }
            DigestCalculatorProvider digests =
                    new JcaDigestCalculatorProviderBuilder().setProvider(BC).build();
            SingleResp mine = null;
            for (SingleResp r : basic.getResponses()) {
                if (r.getCertID().getSerialNumber().equals(cert.getSerialNumber())
                        && r.getCertID().matchesIssuer(issuerHolder, digests)) {
                    mine = r;
                }
            }
            if (mine == null) {
                throw new AttestationException("OCSP response has no status for " + name + " (serial "
                        + cert.getSerialNumber().toString(16) + ")");
            }
            if (mine.getNextUpdate() == null
                    || now.isBefore(mine.getThisUpdate().toInstant())
                    || now.isAfter(mine.getNextUpdate().toInstant())) {
                throw new AttestationException("OCSP response for " + name + " is not current at " + now
                        + " (thisUpdate " + mine.getThisUpdate().toInstant() + ", nextUpdate "
                        + (mine.getNextUpdate() == null
                                ? "none"
                                : mine.getNextUpdate().toInstant()) + ")");
            }
            if (rule instanceof RevocationCheck.Required(var maxAge)
                    && mine.getThisUpdate().toInstant().plus(maxAge).isBefore(now)) {
                throw new AttestationException("OCSP response for " + name + " is stale: thisUpdate "
                        + mine.getThisUpdate().toInstant() + " is more than " + maxAge + " before " + now);
            }
            CertificateStatus status = mine.getCertStatus();
            if (status instanceof RevokedStatus rs) {
                throw new AttestationException(name + " is revoked (OCSP, since "
                        + rs.getRevocationTime().toInstant() + ")");
            }
            if (status != CertificateStatus.GOOD) {
                throw new AttestationException("OCSP status of " + name + " is unknown");
            }
        } catch (OCSPException | OperatorCreationException | java.security.cert.CertificateException e) {
            throw new AttestationException("OCSP response for " + name + " cannot be checked: " + e.getMessage(), e);
        }
    }

    private static boolean signedBy(BasicOCSPResp basic, X509CertificateHolder issuer, Instant now)
            throws OCSPException, OperatorCreationException, java.security.cert.CertificateException {
        if (basic.isSignatureValid(
                new JcaContentVerifierProviderBuilder().setProvider(BC).build(issuer))) {
            return true;
        }
        for (X509CertificateHolder responder : basic.getCerts()) {
            try {
                if (responder.getIssuer().equals(issuer.getSubject())
                        && responder.isSignatureValid(new JcaContentVerifierProviderBuilder()
                                .setProvider(BC)
                                .build(issuer))
                        && responder.isValidOn(java.util.Date.from(now))
                        && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(responder.getExtensions()) != null
                        && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(responder.getExtensions())
                                .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
                        && basic.isSignatureValid(new JcaContentVerifierProviderBuilder()
                                .setProvider(BC)
                                .build(responder))) {
                    return true;
                }
            } catch (org.bouncycastle.cert.CertException
                    | java.security.cert.CertificateException
                    | RuntimeException e) {
                // this certificate is not a valid delegated responder; try the next
            }
        }
        return false;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
