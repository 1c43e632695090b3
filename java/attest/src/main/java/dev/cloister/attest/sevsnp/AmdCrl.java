package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RevocationCheck;
import dev.cloister.base.Hex;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.CertificateList;

/**
 * AMD's certificate revocation list for one product line (KDS {@code GET /vcek/v1/<product>/crl}, DER), issued and
 * signed by the ARK with RSASSA-PSS / SHA-384 / MGF1-SHA-384 / salt 48 (the parameters are fixed here, not taken from
 * the CRL). It lists revoked ASKs, ASVKs and VLEKs. A CRL is checked in full: DER only, issuer = the ARK of the chain,
 * signature, thisUpdate ≤ now ≤ nextUpdate (when the CRL names one); then neither the intermediate nor the signing
 * certificate may be on it. Signature checks are remembered by the SHA-256 of the CRL and of the ARK.
 */
final class AmdCrl {

    static final int MAX_BYTES = 1024 * 1024;
    private static final int MAX_REMEMBERED = 1024;

    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    void check(Instant now, byte[] der, AmdChainVerifier.VerifiedChain chain, RevocationCheck rule)
            throws AttestationException {
        X509Certificate ark = chain.ark();
        X509CRL crl;
        try {
            if (der.length > MAX_BYTES) {
                throw new AttestationException("AMD CRL: larger than 1 MiB");
            }
            if (!Arrays.equals(CertificateList.getInstance(der).getEncoded("DER"), der)) {
                throw new AttestationException("AMD CRL: not in DER");
            }
            crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            throw new AttestationException("AMD CRL: not a DER X.509 CRL: " + e.getMessage(), e);
        }
        if (!crl.getIssuerX500Principal().equals(ark.getSubjectX500Principal())) {
            throw AttestationException.mismatch(
                    "AMD CRL issuer",
                    ark.getSubjectX500Principal().getName(),
                    crl.getIssuerX500Principal().getName());
        }
        if (!AmdCertificates.RSASSA_PSS_OID.equals(crl.getSigAlgOID())) {
            throw AttestationException.mismatch("AMD CRL signature algorithm", "RSASSA-PSS", crl.getSigAlgOID());
        }
        String key = Hex.format(AmdCertificates.sha256(der)) + chain.arkSha256();
        if (!verified.contains(key)) {
            boolean ok;
            try {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(AmdCertificates.AMD_PSS);
                s.initVerify(ark.getPublicKey());
                s.update(crl.getTBSCertList());
                ok = s.verify(crl.getSignature());
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new AttestationException("AMD CRL: signature could not be checked", e);
            }
            if (!ok) {
                throw new AttestationException("AMD CRL: RSASSA-PSS signature does not verify with the ARK");
            }
            if (verified.size() >= MAX_REMEMBERED) {
                verified.clear();
            }
            verified.add(key);
        }
        if (now.isBefore(crl.getThisUpdate().toInstant())
                || (crl.getNextUpdate() != null
                        && now.isAfter(crl.getNextUpdate().toInstant()))) {
            throw new AttestationException("AMD CRL is not current at " + now + " (thisUpdate "
                    + crl.getThisUpdate().toInstant() + ", nextUpdate "
                    + (crl.getNextUpdate() == null
                            ? "none"
                            : crl.getNextUpdate().toInstant()) + ")");
        }
        if (rule instanceof RevocationCheck.Required(var maxAge)
                && crl.getThisUpdate().toInstant().plus(maxAge).isBefore(now)) {
            throw new AttestationException("AMD CRL is stale: thisUpdate "
                    + crl.getThisUpdate().toInstant() + " is more than " + maxAge + " before " + now);
        }
        for (X509Certificate c :
                new X509Certificate[] {chain.intermediate(), chain.leaf().certificate()}) {
            if (crl.getRevokedCertificate(c.getSerialNumber()) != null) {
                throw new AttestationException(VcekCertificate.commonName(c.getSubjectX500Principal()) + " (serial "
                        + c.getSerialNumber().toString(16) + ") is revoked by AMD's CRL");
            }
        }
    }
}
