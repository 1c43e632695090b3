package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import dev.cloister.base.MalformedPemException;
import dev.cloister.base.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.CertificateList;

/**
 * Intel's SGX/TDX public-key infrastructure as the verifier needs it: certificate chains to a pinned root (ECDSA
 * P-256 / SHA-256 only, DER only, issuer names, CA flags, validity at {@code now}) and CRLs (DER, issuer name,
 * signature, validity at {@code now}). Signature checks are remembered by the SHA-256 of the signed object and of the
 * signer's certificate, so verifying the same chain or CRL again costs no public-key operation; names, trust in the
 * root and validity times are checked on every call.
 */
final class IntelSgxPki {

    static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    /** The remembered signature checks are dropped when they exceed this many (bounded memory under any input). */
    private static final int MAX_REMEMBERED = 4096;

    private static final int MAX_CHAIN_PEM = 64 * 1024;

    private final Set<String> verifiedSignatures = ConcurrentHashMap.newKeySet();
    private final Map<String, X509Certificate> parsed = new ConcurrentHashMap<>();

    /** The certificates of a PEM file (issuer chains as Intel's PCS sends them in headers): 1 to 4 of them. */
    static List<byte[]> pem(byte[] text, String what) throws AttestationException {
        if (text.length > MAX_CHAIN_PEM) {
            throw new AttestationException(what + ": " + text.length + " bytes is too large for a certificate chain");
        }
        int end = text.length;
        while (end > 0 && text[end - 1] == 0) {
            end--; // a chain copied out of a quote's certification data keeps its NUL terminator
        }
        try {
            return Pem.certificates(Pem.decode(Arrays.copyOf(text, end), new Pem.Limits(MAX_CHAIN_PEM, 4)));
        } catch (MalformedPemException e) {
            throw new AttestationException(what + ": not a PEM certificate chain: " + e.getMessage(), e);
        }
    }

    X509Certificate certificate(byte[] der) throws AttestationException {
        String fp = Hex.format(sha256(der));
        X509Certificate known = parsed.get(fp);
        if (known != null) {
            return known;
        }
        X509Certificate c;
        try {
            ByteArrayInputStream in = new ByteArrayInputStream(der);
            c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            org.bouncycastle.asn1.x509.Certificate bc = org.bouncycastle.asn1.x509.Certificate.getInstance(der);
            if (in.available() != 0
                    || bc.getSignature().getPadBits() != 0
                    || !Arrays.equals(bc.getEncoded("DER"), der)) {
                throw new AttestationException("certificate is not in DER");
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new AttestationException("not an X.509 certificate: " + e.getMessage(), e);
        }
        remember(parsed, fp, c);
        return c;
    }

    /**
     * Verifies {@code ders} (leaf first, root last) and returns the certificates. The root must be one of
     * {@code trustedRootSha256} (checked before any signature work).
     */
    List<X509Certificate> chain(Instant now, List<byte[]> ders, List<String> trustedRootSha256)
            throws AttestationException {
        if (ders.isEmpty()) {
            throw new AttestationException("empty certificate chain");
        }
        String rootFp = Hex.format(sha256(ders.getLast()));
        if (!trustedRootSha256.contains(rootFp)) {
            throw new AttestationException(
                    "the chain's root (SHA-256 " + rootFp + ") is not a root this policy trusts");
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (byte[] d : ders) {
            certs.add(certificate(d));
        }
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            int j = Math.min(i + 1, certs.size() - 1);
            X509Certificate issuer = certs.get(j);
            String name = c.getSubjectX500Principal().getName();
            if (!ECDSA_SHA256.equals(c.getSigAlgOID())) {
                throw AttestationException.mismatch(
                        name + ": signature algorithm", "ecdsa-with-SHA256", c.getSigAlgOID());
            }
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new AttestationException(name + ": issuer is not the next certificate");
            }
            if (i > 0 && c.getBasicConstraints() < 0) {
                throw new AttestationException(name + ": not a CA certificate");
            }
            validAt(now, c);
            String key = Hex.format(sha256(ders.get(i))) + Hex.format(sha256(ders.get(j)));
            if (!verifiedSignatures.contains(key)) {
                try {
                    c.verify(issuer.getPublicKey());
                } catch (GeneralSecurityException e) {
                    throw new AttestationException(name + ": signature does not verify", e);
                }
                remember(key);
            }
        }
        return certs;
    }

    static void validAt(Instant now, X509Certificate c) throws AttestationException {
        if (now.isBefore(c.getNotBefore().toInstant())
                || now.isAfter(c.getNotAfter().toInstant())) {
            throw new AttestationException(c.getSubjectX500Principal().getName() + " is not valid at " + now
                    + " (valid " + c.getNotBefore().toInstant() + " to "
                    + c.getNotAfter().toInstant() + ")");
        }
    }

    /**
     * A CRL (DER) issued and signed by {@code issuer}, current at {@code now} (thisUpdate ≤ now ≤ nextUpdate; a CRL
     * without nextUpdate is refused).
     */
    X509CRL crl(Instant now, byte[] der, X509Certificate issuer, String what) throws AttestationException {
        X509CRL crl;
        try {
            if (der.length > 1024 * 1024) {
                throw new AttestationException("larger than 1 MiB");
            }
            if (!Arrays.equals(CertificateList.getInstance(der).getEncoded("DER"), der)) {
                throw new AttestationException("not in DER");
            }
            crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new AttestationException(what + " is not a DER X.509 CRL: " + e.getMessage(), e);
        } catch (AttestationException e) {
            throw new AttestationException(what + " is " + e.getMessage());
        }
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw AttestationException.mismatch(
                    what + " issuer",
                    issuer.getSubjectX500Principal().getName(),
                    crl.getIssuerX500Principal().getName());
        }
        if (!ECDSA_SHA256.equals(crl.getSigAlgOID())) {
            throw AttestationException.mismatch(what + " signature algorithm", "ecdsa-with-SHA256", crl.getSigAlgOID());
        }
        String key = Hex.format(sha256(der)) + Hex.format(sha256(encoded(issuer)));
        if (!verifiedSignatures.contains(key)) {
            try {
                crl.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new AttestationException(
                        what + ": signature does not verify with "
                                + issuer.getSubjectX500Principal().getName(),
                        e);
            }
            remember(key);
        }
        if (crl.getNextUpdate() == null
                || now.isBefore(crl.getThisUpdate().toInstant())
                || now.isAfter(crl.getNextUpdate().toInstant())) {
            throw new AttestationException(what + " is not current at " + now + " (thisUpdate "
                    + crl.getThisUpdate().toInstant() + ", nextUpdate "
                    + (crl.getNextUpdate() == null
                            ? "none"
                            : crl.getNextUpdate().toInstant()) + ")");
        }
        return crl;
    }

    static void notRevoked(X509CRL crl, X509Certificate c, String what) throws AttestationException {
        if (crl.getRevokedCertificate(c.getSerialNumber()) != null) {
            throw new AttestationException(c.getSubjectX500Principal().getName() + " (serial "
                    + c.getSerialNumber().toString(16) + ") is revoked by the " + what);
        }
    }

    /** Verifies a signature (r ‖ s, P-256 / SHA-256) by {@code signer} over {@code data}, remembering success. */
    void p1363(X509Certificate signer, byte[] data, byte[] sig, String what) throws AttestationException {
        String key = Hex.format(sha256(data)) + Hex.format(sha256(sig)) + Hex.format(sha256(encoded(signer)));
        if (verifiedSignatures.contains(key)) {
            return;
        }
        if (!TdxVerifier.p1363(signer.getPublicKey(), data, sig)) {
            throw new AttestationException(what + ": signature does not verify with "
                    + signer.getSubjectX500Principal().getName());
        }
        remember(key);
    }

    private void remember(String key) {
        if (verifiedSignatures.size() >= MAX_REMEMBERED) {
            verifiedSignatures.clear();
        }
        verifiedSignatures.add(key);
    }

    private static <V> void remember(Map<String, V> map, String key, V value) {
        if (map.size() >= MAX_REMEMBERED) {
            map.clear();
        }
        map.put(key, value);
    }

    static byte[] encoded(X509Certificate c) throws AttestationException {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new AttestationException("certificate cannot be encoded", e);
        }
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
