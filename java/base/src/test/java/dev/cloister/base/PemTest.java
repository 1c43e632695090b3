package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {

    private static final Pem.Limits LIMITS = new Pem.Limits(1 << 20, 8);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String refused(String pem) {
        return assertThrows(MalformedPemException.class, () -> Pem.decode(ascii(pem), LIMITS))
                .getMessage();
    }

    private static byte[] data(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }

    @Test
    void encodesCanonicalForm() {
        String pem = Pem.encode("CERTIFICATE", data(49));
        String b64 = Base64.getEncoder().encodeToString(data(49));
        assertEquals(68, b64.length());
        assertEquals(
                "-----BEGIN CERTIFICATE-----\n" + b64.substring(0, 64) + "\n" + b64.substring(64) + "\n"
                        + "-----END CERTIFICATE-----\n",
                pem);
        // A multiple of 48 bytes fills its last line exactly: no empty line before END.
        assertEquals(
                "-----BEGIN X509 CRL-----\n" + Base64.getEncoder().encodeToString(data(48)) + "\n"
                        + "-----END X509 CRL-----\n",
                Pem.encode("X509 CRL", data(48)));
    }

    @Test
    void roundTripsEveryLength() throws Exception {
        for (int n = 1; n < 200; n++) {
            List<Pem.Block> blocks =
                    List.of(new Pem.Block("PRIVATE KEY", Bytes.of(data(n))), Pem.Block.certificate(data(n + 1)));
            byte[] text = ascii(Pem.encode(blocks));
            assertEquals(blocks, Pem.decode(text, LIMITS));
            assertEquals(blocks, Pem.decodeCanonical(text, LIMITS));
        }
    }

    @Test
    void certificatesOfTheBlocks() throws Exception {
        byte[] text = ascii(Pem.encodeCertificates(List.of(data(10), data(20))));
        List<byte[]> ders = Pem.certificates(Pem.decode(text, LIMITS));
        assertEquals(2, ders.size());
        assertArrayEquals(data(10), ders.get(0));
        assertArrayEquals(data(20), ders.get(1));
        byte[] mixed = ascii(Pem.encode("CERTIFICATE", data(3)) + Pem.encode("PRIVATE KEY", data(3)));
        assertEquals(
                "PEM block 2 is PRIVATE KEY, want CERTIFICATE",
                assertThrows(MalformedPemException.class, () -> Pem.certificates(Pem.decode(mixed, LIMITS)))
                        .getMessage());
    }

    /** Every PEM file of the published vectors decodes, to certificates the JDK parses. */
    @Test
    void publishedVendorFilesDecode() throws Exception {
        String[] files = {
            "sev-snp/virtee-sev/cert_chain_milan",
            "sev-snp/virtee-sev/cert_chain_turin",
            "sev-snp/go-sev-guest/ask_ark_turin_vlek.pem",
            "sev-snp/go-sev-guest/ask_ark_genoa.pem",
            "tdx/go-tdx-guest/tcbinfo_issuer_chain.pem",
            "tdx/go-tdx-guest/verify_trusted_root.pem",
            "nvidia-gpu/nvtrust/hopperCertChain.txt",
            "nvidia-gpu/nvtrust/verifier_RIM_root.pem"
        };
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (String f : files) {
            byte[] text = Vectors.read(Vectors.file(f));
            List<byte[]> ders = Pem.certificates(Pem.decode(text, LIMITS));
            assertTrue(!ders.isEmpty(), f);
            for (byte[] der : ders) {
                X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
                assertArrayEquals(der, c.getEncoded(), f);
            }
        }
    }

    @Test
    void crlfBlankLinesAndOtherLineLengthsAreRead() throws Exception {
        byte[] d = data(100);
        String mime = Base64.getMimeEncoder().encodeToString(d); // 76-character lines, CRLF
        String pem = "\r\n  \n-----BEGIN CERTIFICATE-----\r\n" + mime + "\r\n-----END CERTIFICATE-----\r\n\r\n"
                + "-----BEGIN CERTIFICATE-----\n" + Base64.getEncoder().encodeToString(d)
                + "\n-----END CERTIFICATE-----";
        List<Pem.Block> blocks = Pem.decode(ascii(pem), LIMITS);
        assertEquals(List.of(Pem.Block.certificate(d), Pem.Block.certificate(d)), blocks);
        // ... but none of that is canonical.
        assertEquals(
                "PEM not in canonical form at line 1 (LF line ends, 64-character base64 lines, nothing around"
                        + " or between blocks)",
                assertThrows(MalformedPemException.class, () -> Pem.decodeCanonical(ascii(pem), LIMITS))
                        .getMessage());
    }

    @Test
    void canonicalFormNamesTheFirstDeviatingLine() {
        String good = Pem.encode("CERTIFICATE", data(100));
        assertTrue(assertThrows(
                        MalformedPemException.class,
                        () -> Pem.decodeCanonical(ascii(good.replaceFirst("\n-----END", "\r\n-----END")), LIMITS))
                .getMessage()
                .startsWith("PEM not in canonical form at line 4 "));
        assertTrue(assertThrows(MalformedPemException.class, () -> Pem.decodeCanonical(ascii(good + "\n"), LIMITS))
                .getMessage()
                .startsWith("PEM not in canonical form at line 6 "));
        assertTrue(assertThrows(
                        MalformedPemException.class,
                        () -> Pem.decodeCanonical(ascii(good.substring(0, good.length() - 1)), LIMITS))
                .getMessage()
                .startsWith("PEM not in canonical form at line 5 "));
    }

    @Test
    void textOutsideBlocksIsRefused() {
        String block = Pem.encode("CERTIFICATE", data(10));
        assertEquals("expected the BEGIN line of PEM block 1 (line 1)", refused("Subject: me\n" + block));
        assertEquals("expected the BEGIN line of PEM block 2 (line 4)", refused(block + "trailer\n"));
        assertEquals("no PEM block found", refused(""));
        assertEquals("no PEM block found", refused(" \n\t\n"));
    }

    @Test
    void boundaryLinesAreExact() {
        String body = Base64.getEncoder().encodeToString(data(10)) + "\n";
        assertEquals(
                "expected the BEGIN line of PEM block 1 (line 1)",
                refused("-----BEGIN CERTIFICATE----\n" + body + "-----END CERTIFICATE-----\n"));
        assertEquals(
                "expected the BEGIN line of PEM block 1 (line 1)",
                refused(" -----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----\n"));
        assertEquals(
                "PEM block 1: bad label in its BEGIN line (line 1)",
                refused("-----BEGIN certificate-----\n" + body + "-----END certificate-----\n"));
        assertEquals(
                "PEM block 1: bad label in its BEGIN line (line 1)",
                refused("-----BEGIN X509  CRL-----\n" + body + "-----END X509  CRL-----\n"));
        assertEquals(
                "PEM block 1 begins CERTIFICATE but ends PRIVATE KEY (line 3)",
                refused("-----BEGIN CERTIFICATE-----\n" + body + "-----END PRIVATE KEY-----\n"));
        assertEquals(
                "expected the END line of PEM block 1 (line 3)",
                refused("-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE----- \n"));
        assertEquals(
                "PEM block 1 (CERTIFICATE) has no END line (line 2)", refused("-----BEGIN CERTIFICATE-----\n" + body));
    }

    @Test
    void bodyMustBeCanonicalBase64() {
        String begin = "-----BEGIN CERTIFICATE-----\n";
        String end = "-----END CERTIFICATE-----\n";
        assertEquals(
                "PEM block 1: character U+0020 at column 3 is not base64 (line 2)", refused(begin + "AQ ID\n" + end));
        assertEquals(
                "PEM block 1: character U+0009 at column 1 is not base64 (line 2)", refused(begin + "\tAQID\n" + end));
        assertEquals("PEM block 1: character '-' at column 5 is not base64 (line 2)", refused(begin + "AQID-\n" + end));
        assertEquals("PEM block 1 (CERTIFICATE) is empty (line 2)", refused(begin + end));
        assertEquals("PEM block 1 (CERTIFICATE) is empty (line 3)", refused(begin + "\n" + end));
        // "AQ" lacks its padding; "AR==" has non-zero pad bits; "AQ==AQ==" pads in the middle.
        assertEquals(
                "PEM block 1 (CERTIFICATE): base64 not canonical (padding or pad bits) (line 3)",
                refused(begin + "AQ\n" + end));
        assertEquals(
                "PEM block 1 (CERTIFICATE): base64 not canonical (padding or pad bits) (line 3)",
                refused(begin + "AR==\n" + end));
        assertTrue(refused(begin + "AQ==AQ==\n" + end).startsWith("PEM block 1 (CERTIFICATE): bad base64"));
    }

    @Test
    void controlBytesAndLoneCarriageReturnsAreRefused() {
        String block = Pem.encode("CERTIFICATE", data(10));
        assertEquals("byte 0x0 at column 1 is not printable ASCII (line 4)", refused(block + "\0"));
        byte[] utf8 =
                (block.replace("CERTIFICATE-----\n", "CERTIFICATE-----\u00e9\n")).getBytes(StandardCharsets.UTF_8);
        assertEquals(
                "byte 0xc3 at column 28 is not printable ASCII (line 1)",
                assertThrows(MalformedPemException.class, () -> Pem.decode(utf8, LIMITS))
                        .getMessage());
        assertEquals("CR without LF (line 1)", refused("-----BEGIN CERTIFICATE-----\r" + block));
    }

    @Test
    void limitsAreEnforced() {
        byte[] three = ascii(Pem.encodeCertificates(List.of(data(5), data(5), data(5))));
        assertEquals(
                "more than 2 PEM blocks (line 6)",
                assertThrows(MalformedPemException.class, () -> Pem.decode(three, new Pem.Limits(1000, 2)))
                        .getMessage());
        assertEquals(
                "PEM of " + three.length + " bytes exceeds the limit of 100",
                assertThrows(MalformedPemException.class, () -> Pem.decode(three, new Pem.Limits(100, 8)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Pem.Limits(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Pem.Limits(1, 0));
    }

    @Test
    void labelsAreCheckedWhenEncoding() {
        assertThrows(IllegalArgumentException.class, () -> Pem.encode("BAD-----LABEL", data(1)));
        assertThrows(IllegalArgumentException.class, () -> Pem.encode("", data(1)));
        assertThrows(IllegalArgumentException.class, () -> new Pem.Block("lower", Bytes.EMPTY));
    }

    @Test
    void manyBlocksParseInLinearTime() throws Exception {
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(data(300));
        }
        byte[] text = ascii(Pem.encodeCertificates(many));
        assertEquals(2000, Pem.decode(text, new Pem.Limits(text.length, 2000)).size());
    }
}
