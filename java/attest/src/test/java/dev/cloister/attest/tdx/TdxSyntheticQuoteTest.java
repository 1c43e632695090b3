package dev.cloister.attest.tdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A quote built here in the exact v4 layout, signed through a test root, exercises what the real samples cannot:
 * a debuggable TD must be refused even when every signature is valid. (It also shows the verifier accepts only roots
 * the policy names: the default Intel policy refuses this one.)
 */
class TdxSyntheticQuoteTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    /** SEPT_VE_DISABLE alone: what a hardened TD sets. */
    static final long HARDENED = 1L << 28;

    static byte[] quote(boolean debug, KeyPair root, KeyPair pck) throws Exception {
        return quote(HARDENED | (debug ? 1 : 0), root, pck);
    }

    static byte[] quote(long tdAttributes, KeyPair root, KeyPair pck) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ak = g.generateKeyPair();
        Date from = Date.from(NOW.minus(Duration.ofDays(1)));
        Date to = Date.from(NOW.plus(Duration.ofDays(365)));
        X500Principal rootName = new X500Principal("CN=Test SGX Root CA,O=Cloister test");
        X500Principal pckName = new X500Principal("CN=Test SGX PCK Certificate,O=Cloister test");
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(root.getPrivate());
        byte[] rootDer = new JcaX509v3CertificateBuilder(rootName, BigInteger.ONE, from, to, rootName, root.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .build(signer)
                .getEncoded();
        byte[] pckDer = new JcaX509v3CertificateBuilder(rootName, BigInteger.TWO, from, to, pckName, pck.getPublic())
                .build(signer)
                .getEncoded();
        String pem = pem(pckDer) + pem(rootDer);

        ByteBuffer head = ByteBuffer.allocate(0x30 + 584).order(ByteOrder.LITTLE_ENDIAN);
        head.putShort(0, (short) 4).putShort(2, (short) 2).putInt(4, 0x81);
        head.put(0x0C, HexFormat.of().parseHex("939a7233f79c4ca9940a0db3957f0607"));
        head.putLong(0x30 + 0x78, tdAttributes);
        byte[] signed = head.array();
        byte[] akXy = new byte[64];
        ECPublicKey akPub = (ECPublicKey) ak.getPublic();
        copy32(akPub.getW().getAffineX(), akXy, 0);
        copy32(akPub.getW().getAffineY(), akXy, 32);
        byte[] auth = new byte[32];
        byte[] qeReport = new byte[384];
        // Intel's TD quoting enclave: ATTRIBUTES, MRSIGNER, ISVPRODID.
        qeReport[48] = 0x11;
        System.arraycopy(QuotingEnclave.intelTdQe().mrSigner().toByteArray(), 0, qeReport, 128, 32);
        qeReport[256] = 2;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(akXy);
        System.arraycopy(sha.digest(auth), 0, qeReport, 320, 32);

        ByteArrayOutputStream sig = new ByteArrayOutputStream();
        sig.writeBytes(p1363(ak, signed));
        sig.writeBytes(akXy);
        byte[] pemBytes = pem.getBytes(StandardCharsets.US_ASCII);
        int size6 = 384 + 64 + 2 + auth.length + 6 + pemBytes.length;
        sig.writeBytes(le16(6));
        sig.writeBytes(le32(size6));
        sig.writeBytes(qeReport);
        sig.writeBytes(p1363(pck, qeReport));
        sig.writeBytes(le16(auth.length));
        sig.writeBytes(auth);
        sig.writeBytes(le16(5));
        sig.writeBytes(le32(pemBytes.length));
        sig.writeBytes(pemBytes);
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(signed);
        q.writeBytes(le32(sig.size()));
        q.writeBytes(sig.toByteArray());
        return q.toByteArray();
    }

    static String rootSha256(byte[] quote) throws Exception {
        List<byte[]> chain = TdxQuote.parse(quote).pckChain();
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain.getLast()));
    }

    @Test
    void aDebuggableTdIsRefusedEvenWithValidSignatures() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair root = g.generateKeyPair();
        KeyPair pck = g.generateKeyPair();
        byte[] ok = quote(false, root, pck);
        TdxPolicy trustTestRoot = TdxPolicy.genuineIntel().withTrustedRoots(List.of(rootSha256(ok)));
        TdxClaims c =
                new TdxVerifier().verify(NOW, TdxEvidence.of(ok), TdxEndorsements.embeddedPckChain(), trustTestRoot);
        assertEquals(4, c.quote().version());

        byte[] debug = quote(true, root, pck);
        // (ECDSA signatures are randomized, so this quote's root certificate has other bytes: trust it as well.)
        TdxPolicy trustBoth = trustTestRoot.withTrustedRoots(List.of(rootSha256(ok), rootSha256(debug)));
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new TdxVerifier()
                        .verify(NOW, TdxEvidence.of(debug), TdxEndorsements.embeddedPckChain(), trustBoth));
        assertTrue(x.getMessage().contains("TDATTRIBUTES.DEBUG"), x.getMessage());

        AttestationException y = assertThrows(
                AttestationException.class,
                () -> new TdxVerifier()
                        .verify(NOW, TdxEvidence.of(ok), TdxEndorsements.embeddedPckChain(), TdxPolicy.genuineIntel()));
        assertTrue(y.getMessage().contains("not a root this policy trusts"), y.getMessage());
    }

    @Test
    void tdAttributesTheTdxModuleReservesOrThePolicyRefusesAreRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair root = g.generateKeyPair();
        KeyPair pck = g.generateKeyPair();
        // PKS, KL, LASS and PERFMON are the TD's own features: allowed.
        long features = HARDENED | 1L << 30 | 1L << 31 | 1L << 27 | 1L << 63;
        assertEquals(
                4,
                verify(quote(features, root, pck), TdxPolicy.TdAttributes.hardened())
                        .quote()
                        .version());
        refusedWith("sets reserved bits 0000000000000002", quote(HARDENED | 1L << 1, root, pck), hardened());
        refusedWith("sets reserved bits 0000000100000000", quote(HARDENED | 1L << 32, root, pck), hardened());
        refusedWith("lacks SEPT_VE_DISABLE", quote(0, root, pck), hardened());
        refusedWith("sets MIGRATABLE", quote(HARDENED | 1L << 29, root, pck), hardened());
        refusedWith("host profile the TD", quote(HARDENED | 1L << 5, root, pck), hardened());
        // Each relaxed only where the policy says so.
        verify(quote(0, root, pck), new TdxPolicy.TdAttributes(false, false, false));
        verify(quote(HARDENED | 1L << 29, root, pck), new TdxPolicy.TdAttributes(true, true, false));
        verify(quote(HARDENED | 1L << 4, root, pck), new TdxPolicy.TdAttributes(true, false, true));
        refusedWith("sets reserved bits", quote(1L << 40, root, pck), new TdxPolicy.TdAttributes(false, true, true));
    }

    private static TdxPolicy.TdAttributes hardened() {
        return TdxPolicy.TdAttributes.hardened();
    }

    private static TdxClaims verify(byte[] quote, TdxPolicy.TdAttributes rule) throws Exception {
        TdxPolicy policy = TdxPolicy.genuineIntel()
                .withTrustedRoots(List.of(rootSha256(quote)))
                .withTdAttributes(rule);
        return new TdxVerifier().verify(NOW, TdxEvidence.of(quote), TdxEndorsements.embeddedPckChain(), policy);
    }

    private static void refusedWith(String reason, byte[] quote, TdxPolicy.TdAttributes rule) {
        AttestationException x = assertThrows(AttestationException.class, () -> verify(quote, rule));
        assertTrue(x.getMessage().contains(reason), x.getMessage());
    }

    private static byte[] p1363(KeyPair k, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(k.getPrivate());
        s.update(data);
        return s.sign();
    }

    private static void copy32(BigInteger v, byte[] out, int off) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, off + 32 - n, n);
    }

    private static byte[] le16(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8)};
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    private static String pem(byte[] der) {
        String b64 = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        for (int i = 0; i < b64.length(); i += 64) {
            sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        return sb.append("-----END CERTIFICATE-----\n").toString();
    }
}
