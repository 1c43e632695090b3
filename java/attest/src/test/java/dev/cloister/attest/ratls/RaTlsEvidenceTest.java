package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.merkle.InclusionProof;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The certificate extension and the certificate form: one encoding, strict parsing, every deviation refused. */
class RaTlsEvidenceTest {

    static EnclaveIdentity enclave;
    static RaTlsEvidence batched;

    @BeforeAll
    static void start() throws Exception {
        enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake());
        RaTlsEvidence e = enclave.forServerHandshake(new byte[32]).certificate().evidence();
        byte[] h = new byte[32];
        RANDOM.nextBytes(h);
        batched = new RaTlsEvidence(
                e.bundle(),
                e.gpuFreshness(),
                Optional.of(new InclusionProof(
                        1, 3, List.of(dev.cloister.base.Bytes.of(h), dev.cloister.base.Bytes.of(h)))));
    }

    @AfterAll
    static void stop() {
        enclave.close();
    }

    static RaTlsException.Reason reasonOf(byte[] encoded) {
        return assertThrows(RaTlsException.class, () -> RaTlsEvidence.decode(encoded))
                .reason();
    }

    @Test
    void roundTrips() throws Exception {
        byte[] encoded = batched.encode();
        RaTlsEvidence back = RaTlsEvidence.decode(encoded);
        assertArrayEquals(encoded, back.encode());
        assertEquals(batched.gpuFreshness(), back.gpuFreshness());
        assertEquals(3, back.batch().orElseThrow().treeSize());
    }

    @Test
    void refusesTrailingBytesTruncationAndOversize() {
        byte[] e = batched.encode();
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(Arrays.copyOf(e, e.length + 1)));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(Arrays.copyOf(e, e.length - 1)));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(new byte[RaTlsEvidence.MAX_ENCODED + 1]));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(new byte[0]));
    }

    @Test
    void refusesNonDerLengths() {
        byte[] e = batched.encode();
        // Re-encode the outer length in a longer form than needed (BER, not DER).
        int lenBytes = e[1] & 0x7f;
        byte[] ber = new byte[e.length + 1];
        ber[0] = e[0];
        ber[1] = (byte) (0x80 | (lenBytes + 1));
        ber[2] = 0;
        System.arraycopy(e, 2, ber, 3, e.length - 2);
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(ber));
    }

    static byte[] der(ASN1EncodableVector v) throws IOException {
        return new DERSequence(v).getEncoded();
    }

    @Test
    void refusesOtherVersionsUnknownFieldsAndBadPaths() throws Exception {
        ASN1Sequence s = ASN1Sequence.getInstance(batched.encode());
        ASN1EncodableVector v2 = new ASN1EncodableVector();
        v2.add(new ASN1Integer(2));
        for (int i = 1; i < s.size(); i++) {
            v2.add(s.getObjectAt(i));
        }
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(der(v2)));

        ASN1EncodableVector unknown = new ASN1EncodableVector();
        s.forEach(unknown::add);
        unknown.add(new DERTaggedObject(true, 2, new ASN1Integer(0)));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(der(unknown)));

        ASN1EncodableVector longPath = new ASN1EncodableVector();
        for (int i = 0; i < RaTlsEvidence.MAX_PATH + 1; i++) {
            longPath.add(new DEROctetString(new byte[32]));
        }
        ASN1EncodableVector tooLong = new ASN1EncodableVector();
        tooLong.add(s.getObjectAt(0));
        tooLong.add(s.getObjectAt(1));
        tooLong.add(s.getObjectAt(2));
        tooLong.add(new DERTaggedObject(true, 1, new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            new ASN1Integer(0), new ASN1Integer(4096), new DERSequence(longPath)
        })));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(der(tooLong)));

        ASN1EncodableVector shortHash = new ASN1EncodableVector();
        shortHash.add(s.getObjectAt(0));
        shortHash.add(s.getObjectAt(1));
        shortHash.add(s.getObjectAt(2));
        shortHash.add(new DERTaggedObject(true, 1, new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            new ASN1Integer(0), new ASN1Integer(2), new DERSequence(new DEROctetString(new byte[31]))
        })));
        assertEquals(RaTlsException.Reason.MALFORMED_EVIDENCE, reasonOf(der(shortHash)));

        ASN1EncodableVector noFreshness = new ASN1EncodableVector();
        noFreshness.add(s.getObjectAt(0));
        noFreshness.add(s.getObjectAt(1));
        assertEquals(
                RaTlsException.Reason.MALFORMED_EVIDENCE,
                reasonOf(der(noFreshness)),
                "GPU evidence without its refresh time");
    }

    @Test
    void certificateFormIsChecked() throws Exception {
        byte[] der =
                enclave.forServerHandshake(new byte[32]).certificate().der().toByteArray();
        RaTlsCertificate parsed = RaTlsCertificate.parse(der);
        assertArrayEquals(enclave.spki(), parsed.spki().toByteArray());
        assertEquals(
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME, Duration.between(parsed.notBefore(), parsed.notAfter()));

        byte[] badSignature = der.clone();
        badSignature[badSignature.length - 5] ^= 1;
        assertEquals(
                RaTlsException.Reason.MALFORMED_CERTIFICATE,
                assertThrows(RaTlsException.class, () -> RaTlsCertificate.parse(badSignature))
                        .reason());
        assertEquals(
                RaTlsException.Reason.MALFORMED_CERTIFICATE,
                assertThrows(RaTlsException.class, () -> RaTlsCertificate.parse(Arrays.copyOf(der, 100)))
                        .reason());

        // A certificate of the same key without the extension (signed properly): no evidence.
        org.bouncycastle.cert.X509v3CertificateBuilder b = new org.bouncycastle.cert.X509v3CertificateBuilder(
                RaTlsCertificate.NAME,
                java.math.BigInteger.TEN,
                new java.util.Date(),
                new java.util.Date(System.currentTimeMillis() + 60_000),
                RaTlsCertificate.NAME,
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(enclave.spki()));
        RaTlsCertificate withExt = RaTlsCertificate.parse(der);
        assertTrue(withExt.evidence().gpuFreshness().isPresent());
        byte[] plain = b.build(new org.bouncycastle.operator.ContentSigner() {
                    final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();

                    @Override
                    public org.bouncycastle.asn1.x509.AlgorithmIdentifier getAlgorithmIdentifier() {
                        return new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519);
                    }

                    @Override
                    public java.io.OutputStream getOutputStream() {
                        return buf;
                    }

                    @Override
                    public byte[] getSignature() {
                        return new byte[64];
                    }
                })
                .getEncoded();
        assertEquals(
                RaTlsException.Reason.MALFORMED_CERTIFICATE,
                assertThrows(RaTlsException.class, () -> RaTlsCertificate.parse(plain))
                        .reason(),
                "the signature is checked before the extensions are read");
    }

    @Test
    void gpuNonceCommitsToTimeAndSalt() {
        GpuFreshness f = new GpuFreshness(Clock.systemUTC().instant(), dev.cloister.base.Bytes.of(new byte[32]));
        GpuFreshness later = new GpuFreshness(f.refreshedAt().plusMillis(1), dev.cloister.base.Bytes.of(new byte[32]));
        byte[] salt = new byte[32];
        salt[0] = 1;
        GpuFreshness salted = new GpuFreshness(f.refreshedAt(), dev.cloister.base.Bytes.of(salt));
        assertTrue(!Arrays.equals(f.nonce(), later.nonce()) && !Arrays.equals(f.nonce(), salted.nonce()));
        assertEquals(32, f.nonce().length);
    }
}
