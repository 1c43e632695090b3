package dev.cloister.attest.ratls;

import dev.cloister.base.Bytes;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.operator.ContentSigner;

/**
 * The RA-TLS certificate: X.509 v3, self-signed with Ed25519 by the enclave's in-memory TLS key, valid for a few
 * minutes, carrying {@link RaTlsEvidence} in the critical extension {@value RaTlsEvidence#OID}. A fresh one is issued
 * for every handshake (its evidence is bound to that handshake).
 *
 * @param der the certificate
 * @param spki the DER SubjectPublicKeyInfo of its (Ed25519) key
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param evidence the decoded extension
 */
public record RaTlsCertificate(Bytes der, Bytes spki, Instant notBefore, Instant notAfter, RaTlsEvidence evidence) {

    static final X500Name NAME = new X500Name("CN=Cloister RA-TLS enclave key");
    /** The largest certificate accepted (the evidence extension plus the X.509 fields around it). */
    public static final int MAX_DER = RaTlsEvidence.MAX_ENCODED + 2048;

    public RaTlsCertificate {
        Objects.requireNonNull(der, "der");
        Objects.requireNonNull(spki, "spki");
    }

    /** SHA-256 of the SubjectPublicKeyInfo (the value REPORT_DATA commits to). */
    public byte[] spkiSha256() {
        return sha256(spki.toByteArray());
    }

    /** Issues a certificate for {@code key}, valid from {@code now} (to the second) for {@code lifetime}. */
    static RaTlsCertificate issue(
            Ed25519PrivateKeyParameters key,
            byte[] spki,
            RaTlsEvidence evidence,
            Instant now,
            Duration lifetime,
            SecureRandom random) {
        Instant from = Instant.ofEpochSecond(now.getEpochSecond());
        Instant to = from.plus(lifetime);
        byte[] serial = new byte[16];
        random.nextBytes(serial);
        serial[0] &= 0x7f;
        serial[0] |= 0x40;
        X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                NAME,
                new BigInteger(serial),
                Date.from(from),
                Date.from(to),
                NAME,
                SubjectPublicKeyInfo.getInstance(spki));
        try {
            b.addExtension(new Extension(RaTlsEvidence.ASN1_OID, true, evidence.encode()));
            byte[] der = b.build(new Ed25519ContentSigner(key)).getEncoded();
            return new RaTlsCertificate(Bytes.of(der), Bytes.of(spki), from, to, evidence);
        } catch (IOException e) {
            throw new IllegalStateException("certificate encoding to memory failed", e);
        }
    }

    /**
     * Parses a peer's certificate and checks its form: DER, X.509 v3, Ed25519 key and self-signature (verified), no
     * critical extension other than the evidence, which must be present, critical and well-formed. Time is not
     * checked here.
     */
    public static RaTlsCertificate parse(byte[] der) throws RaTlsException {
        if (der == null || der.length == 0 || der.length > MAX_DER) {
            throw malformed("missing or larger than " + MAX_DER + " bytes");
        }
        Certificate c;
        try {
            ASN1Primitive p = ASN1Primitive.fromByteArray(der);
            if (!Arrays.equals(p.getEncoded(ASN1Encoding.DER), der)) {
                throw malformed("not DER");
            }
            c = Certificate.getInstance(p);
        } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
            throw new RaTlsException(
                    RaTlsException.Reason.MALFORMED_CERTIFICATE,
                    "while parsing the peer certificate: " + e.getClass().getSimpleName(),
                    e);
        }
        TBSCertificate tbs = c.getTBSCertificate();
        AlgorithmIdentifier ed25519 = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
        if (tbs.getVersionNumber() != 3
                || !ed25519.equals(c.getSignatureAlgorithm())
                || !ed25519.equals(tbs.getSignature())) {
            throw malformed("not an X.509 v3 certificate signed with Ed25519");
        }
        SubjectPublicKeyInfo spki = tbs.getSubjectPublicKeyInfo();
        if (!ed25519.equals(spki.getAlgorithm())
                || spki.getPublicKeyData().getPadBits() != 0
                || spki.getPublicKeyData().getOctets().length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw malformed("the key is not Ed25519");
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(
                    false,
                    new Ed25519PublicKeyParameters(spki.getPublicKeyData().getOctets()));
            byte[] tbsDer = tbs.getEncoded(ASN1Encoding.DER);
            verifier.update(tbsDer, 0, tbsDer.length);
            if (c.getSignature().getPadBits() != 0
                    || !verifier.verifySignature(c.getSignature().getOctets())) {
                throw malformed("the self-signature does not verify");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw malformed("the key or self-signature is unreadable");
        }
        Extensions exts = tbs.getExtensions();
        Extension ext = exts == null ? null : exts.getExtension(RaTlsEvidence.ASN1_OID);
        if (ext == null) {
            throw new RaTlsException(
                    RaTlsException.Reason.MALFORMED_EVIDENCE,
                    "the certificate carries no evidence extension " + RaTlsEvidence.OID);
        }
        if (!ext.isCritical()) {
            throw malformed("the evidence extension is not critical");
        }
        for (ASN1ObjectIdentifier oid : exts.getCriticalExtensionOIDs()) {
            if (!oid.equals(RaTlsEvidence.ASN1_OID)) {
                throw malformed("unknown critical extension " + oid);
            }
        }
        RaTlsEvidence evidence = RaTlsEvidence.decode(ext.getExtnValue().getOctets());
        try {
            return new RaTlsCertificate(
                    Bytes.of(der),
                    Bytes.of(spki.getEncoded(ASN1Encoding.DER)),
                    tbs.getStartDate().getDate().toInstant(),
                    tbs.getEndDate().getDate().toInstant(),
                    evidence);
        } catch (IOException | IllegalStateException e) {
            throw malformed("unreadable key or validity");
        }
    }

    private static RaTlsException malformed(String what) {
        return new RaTlsException(
                RaTlsException.Reason.MALFORMED_CERTIFICATE, "while parsing the peer certificate: " + what);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    @Override
    public String toString() {
        return "RaTlsCertificate[notBefore=" + notBefore + ", notAfter=" + notAfter + ", batched="
                + evidence.batch().isPresent() + "]";
    }

    /** Signs a certificate with Ed25519 (RFC 8410): BouncyCastle's signer behind the PKIX builder's interface. */
    private static final class Ed25519ContentSigner implements ContentSigner {
        private final Ed25519Signer signer = new Ed25519Signer();
        private final OutputStream stream = new OutputStream() {
            @Override
            public void write(int b) {
                signer.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                signer.update(b, off, len);
            }
        };

        Ed25519ContentSigner(Ed25519PrivateKeyParameters key) {
            signer.init(true, key);
        }

        @Override
        public AlgorithmIdentifier getAlgorithmIdentifier() {
            return new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
        }

        @Override
        public OutputStream getOutputStream() {
            return stream;
        }

        @Override
        public byte[] getSignature() {
            return signer.generateSignature();
        }
    }
}
