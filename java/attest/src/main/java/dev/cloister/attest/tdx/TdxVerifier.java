package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * Appraises a TDX quote: structure; the PCK chain (from the quote) to a trusted root, ECDSA P-256 / SHA-256, issuer
 * names, CA flags, validity at {@code now}; the QE report signature by the PCK leaf; the QE binding
 * (REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes); the attestation-key signature over header ‖
 * body; then the policy (debug TDs refused; MRTD, RTMRs, REPORTDATA).
 *
 * <p>Not done yet: CRLs, TCB info and QE identity from Intel PCS (so no TCB level), chain caching.
 */
public final class TdxVerifier {

    static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    static final String FMSPC_OID = "1.2.840.113741.1.13.1.4";
    static final String SGX_EXTENSIONS = "1.2.840.113741.1.13.1";

    public TdxClaims verify(Instant now, TdxEvidence evidence, TdxEndorsements endorsements, TdxPolicy policy)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsements, "endorsements");
        Objects.requireNonNull(policy, "policy");
        TdxQuote q;
        try {
            q = TdxQuote.parse(evidence.quoteNoCopy());
        } catch (AttestationException e) {
            throw e.whileDoing("parsing the TDX quote");
        }
        X509Certificate pck;
        try {
            pck = chain(now, q.pckChain(), policy.trustedRootSha256());
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the PCK certificate chain");
        }
        try {
            if (!p1363(pck.getPublicKey(), q.qeReport(), q.qeReportSignature())) {
                throw new AttestationException("QE report signature does not verify with the PCK key");
            }
            byte[] expected = sha256(q.attestationKey(), q.qeAuthData());
            byte[] reportData = Arrays.copyOfRange(q.qeReport(), 320, 384);
            if (!Arrays.equals(reportData, 0, 32, expected, 0, 32) || !Arrays.equals(reportData, 32, 64,
                    new byte[32], 0, 32)) {
                throw AttestationException.mismatch("QE REPORTDATA", HexFormat.of().formatHex(expected) + "00…",
                        HexFormat.of().formatHex(reportData));
            }
            if (!p1363(attestationKey(q.attestationKey()), q.signedBytes(), q.quoteSignature())) {
                throw new AttestationException("attestation-key signature over header and body does not verify");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the TDX quote signatures");
        }
        try {
            if (q.debug()) {
                throw new AttestationException("TDATTRIBUTES.DEBUG is set: the host can read the TD's memory; refused");
            }
            digests("MRTD", policy.mrTd(), q.mrTd());
            for (int i = 0; i < 4; i++) {
                digests("RTMR" + i, policy.rtmrs().get(i), q.rtmr(i));
            }
            digests("REPORTDATA", policy.reportData(), q.reportData());
        } catch (AttestationException e) {
            throw e.whileDoing("appraising the TDX quote against the policy");
        }
        return new TdxClaims(pck.getSubjectX500Principal().getName(), fmspc(pck), q);
    }

    private static void digests(String what, ReferenceValue rv, byte[] actual) throws AttestationException {
        if (rv instanceof ReferenceValue.Digests d && !d.matches(actual)) {
            throw AttestationException.mismatch(what, "one of " + d, HexFormat.of().formatHex(actual));
        }
    }

    private static X509Certificate chain(Instant now, List<byte[]> ders, List<String> roots)
            throws AttestationException {
        String rootFp = HexFormat.of().formatHex(sha256(ders.getLast()));
        if (!roots.contains(rootFp)) {
            throw new AttestationException("the chain's root (SHA-256 " + rootFp + ") is not a root this policy trusts");
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (byte[] d : ders) {
            try {
                ByteArrayInputStream in = new ByteArrayInputStream(d);
                certs.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
                org.bouncycastle.asn1.x509.Certificate bc = org.bouncycastle.asn1.x509.Certificate.getInstance(d);
                if (in.available() != 0 || bc.getSignature().getPadBits() != 0
                        || !Arrays.equals(bc.getEncoded("DER"), d)) {
                    throw new AttestationException("certificate is not in DER");
                }
            } catch (GeneralSecurityException | IOException | RuntimeException e) {
                throw new AttestationException("not an X.509 certificate: " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            X509Certificate issuer = certs.get(Math.min(i + 1, certs.size() - 1));
            String name = c.getSubjectX500Principal().getName();
            if (!ECDSA_SHA256.equals(c.getSigAlgOID())) {
                throw AttestationException.mismatch(name + ": signature algorithm", "ecdsa-with-SHA256",
                        c.getSigAlgOID());
            }
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new AttestationException(name + ": issuer is not the next certificate");
            }
            if (i > 0 && c.getBasicConstraints() < 0) {
                throw new AttestationException(name + ": not a CA certificate");
            }
            if (now.isBefore(c.getNotBefore().toInstant()) || now.isAfter(c.getNotAfter().toInstant())) {
                throw new AttestationException(name + " is not valid at " + now + " (valid "
                        + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant() + ")");
            }
            try {
                c.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new AttestationException(name + ": signature does not verify", e);
            }
        }
        return certs.getFirst();
    }

    private static PublicKey attestationKey(byte[] xy) throws AttestationException {
        try {
            java.security.AlgorithmParameters ap = java.security.AlgorithmParameters.getInstance("EC");
            ap.init(new java.security.spec.ECGenParameterSpec("secp256r1"));
            java.security.spec.ECParameterSpec spec = ap.getParameterSpec(java.security.spec.ECParameterSpec.class);
            ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOf(xy, 32)),
                    new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
        } catch (GeneralSecurityException e) {
            throw new AttestationException("attestation key is not a P-256 point", e);
        }
    }

    private static boolean p1363(PublicKey key, byte[] data, byte[] sig) throws AttestationException {
        if (!(key instanceof ECPublicKey)) {
            throw new AttestationException("not an EC key");
        }
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(key);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[]... parts) {
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

    /** The FMSPC (6 bytes) inside the PCK certificate's SGX extension, or "" when absent. */
    static String fmspc(X509Certificate pck) {
        byte[] ext = pck.getExtensionValue(SGX_EXTENSIONS);
        if (ext == null) {
            return "";
        }
        try {
            ASN1Primitive p = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets());
            for (ASN1Encodable e : ASN1Sequence.getInstance(p)) {
                ASN1Sequence s = ASN1Sequence.getInstance(e);
                if (s.size() == 2 && FMSPC_OID.equals(ASN1ObjectIdentifier.getInstance(s.getObjectAt(0)).getId())) {
                    return HexFormat.of().formatHex(ASN1OctetString.getInstance(s.getObjectAt(1)).getOctets());
                }
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return "";
    }
}
