package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.MalformedPemException;
import dev.cloister.base.Pem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.List;

/** Bounded certificate decoding and AMD's RSASSA-PSS chain signatures. */
final class AmdCertificates {

    /** No AMD certificate comes near this; larger input is refused before it is decoded. */
    static final int MAX_CERTIFICATE_BYTES = 8 * 1024;
    /** A KDS cert_chain holds two certificates; allow a little room, no more. */
    static final int MAX_CHAIN_CERTIFICATES = 4;

    static final int MAX_PEM_BYTES = MAX_CHAIN_CERTIFICATES * (MAX_CERTIFICATE_BYTES * 4 / 3 + 200);

    /** RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48, trailer 1: the only signature AMD's ARK, ASK, ASVK use. */
    static final PSSParameterSpec AMD_PSS = new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1);

    static final String RSASSA_PSS_OID = "1.2.840.113549.1.1.10";
    static final int MIN_RSA_BITS = 2048;

    private AmdCertificates() {}

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    /** Decodes one DER certificate, refusing oversize input and trailing bytes. */
    static X509Certificate parseDer(byte[] der, String what) throws AttestationException {
        if (der == null || der.length == 0) {
            throw new AttestationException(what + ": missing certificate");
        }
        if (der.length > MAX_CERTIFICATE_BYTES) {
            throw new AttestationException(
                    what + ": certificate of " + der.length + " bytes exceeds the limit of " + MAX_CERTIFICATE_BYTES);
        }
        try {
            ByteArrayInputStream in = new ByteArrayInputStream(der);
            X509Certificate c =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            if (in.available() != 0) {
                throw new AttestationException(what + ": " + in.available() + " trailing bytes after the certificate");
            }
            requireDer(der, what);
            return c;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AttestationException(what + ": not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses any encoding but DER (X.690 §10): re-encoding the parsed structure must give the same bytes. This also
     * refuses a signature BIT STRING with unused bits, which the JDK would otherwise accept with the same signature.
     */
    private static void requireDer(byte[] der, String what) throws AttestationException {
        try {
            org.bouncycastle.asn1.x509.Certificate parsed = org.bouncycastle.asn1.x509.Certificate.getInstance(der);
            if (parsed.getSignature().getPadBits() != 0) {
                throw new AttestationException(what + ": signature BIT STRING has unused bits");
            }
            if (!java.util.Arrays.equals(parsed.getEncoded(org.bouncycastle.asn1.ASN1Encoding.DER), der)) {
                throw new AttestationException(what + ": certificate is not in DER (a re-encoding differs)");
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new AttestationException(what + ": certificate is not in DER: " + e.getMessage(), e);
        }
    }

    /**
     * Splits PEM text (RFC 7468, see {@link Pem#decode}) into DER certificates (at most
     * {@value #MAX_CHAIN_CERTIFICATES}); only whitespace may stand between the blocks. DER input (one certificate) is
     * passed through.
     */
    static List<byte[]> pemOrDerCertificates(byte[] input, String what) throws AttestationException {
        if (input == null) {
            throw new AttestationException(what + ": missing");
        }
        if (input.length > MAX_PEM_BYTES) {
            throw new AttestationException(what + ": " + input.length + " bytes exceeds the limit of " + MAX_PEM_BYTES);
        }
        if (input.length > 0 && input[0] == 0x30) {
            return List.of(input.clone());
        }
        try {
            return Pem.certificates(Pem.decode(input, new Pem.Limits(MAX_PEM_BYTES, MAX_CHAIN_CERTIFICATES)));
        } catch (MalformedPemException e) {
            throw new AttestationException(
                    what + ": "
                            + (e.getMessage().equals("no PEM block found")
                                            || !new String(input, StandardCharsets.US_ASCII).contains("-----BEGIN ")
                                    ? "no certificate found (expected PEM or DER)"
                                    : e.getMessage()),
                    e);
        }
    }

    /**
     * Verifies that {@code issuerKey} signed {@code cert} with exactly RSASSA-PSS/SHA-384/MGF1-SHA-384/salt 48. The
     * algorithm is fixed here, not taken from the certificate: a certificate that names another one is refused.
     */
    static void verifyAmdPss(X509Certificate cert, PublicKey issuerKey, String what) throws AttestationException {
        if (!RSASSA_PSS_OID.equals(cert.getSigAlgOID())) {
            throw AttestationException.mismatch(
                    what + ": signature algorithm", "RSASSA-PSS (" + RSASSA_PSS_OID + ")", cert.getSigAlgOID());
        }
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("RSASSA-PSS");
            ap.init(cert.getSigAlgParams());
            PSSParameterSpec p = ap.getParameterSpec(PSSParameterSpec.class);
            if (!"SHA-384".equals(p.getDigestAlgorithm())
                    || !"MGF1".equals(p.getMGFAlgorithm())
                    || !(p.getMGFParameters() instanceof MGF1ParameterSpec m)
                    || !"SHA-384".equals(m.getDigestAlgorithm())
                    || p.getSaltLength() != 48
                    || p.getTrailerField() != 1) {
                throw AttestationException.mismatch(
                        what + ": RSASSA-PSS parameters",
                        "SHA-384/MGF1-SHA-384/salt 48",
                        p.getDigestAlgorithm() + "/" + p.getMGFAlgorithm() + "/salt " + p.getSaltLength());
            }
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            throw new AttestationException(what + ": unreadable RSASSA-PSS parameters", e);
        }
        if (!(issuerKey instanceof RSAPublicKey rsa) || rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw new AttestationException(
                    what + ": issuer key is not an RSA key of at least " + MIN_RSA_BITS + " bits");
        }
        boolean ok;
        try {
            Signature s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(AMD_PSS);
            s.initVerify(issuerKey);
            s.update(cert.getTBSCertificate());
            ok = s.verify(cert.getSignature());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AttestationException(what + ": signature could not be checked", e);
        }
        if (!ok) {
            throw new AttestationException(what + ": RSASSA-PSS signature does not verify");
        }
    }
}
