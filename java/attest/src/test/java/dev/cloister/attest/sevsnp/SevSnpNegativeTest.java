package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.testing.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each way a real SEV-SNP sample can be wrong, one named case each, with the reason it must be refused for. */
class SevSnpNegativeTest {

    private static final SevSnpPolicy INSPECT = SevSnpRealSamplesTest.INSPECT;
    private final SevSnpSamples.Sample milan = SevSnpSamples.byName("virtee-sev/report_milan.bin");
    private final SevSnpSamples.Sample debugMilan = SevSnpSamples.byName("go-sev-guest/attestation.bin");

    private static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    private void refusedReport(byte[] report, String reason) {
        refused(
                reason,
                () -> new SevSnpVerifier()
                        .verify(SevSnpSamples.NOW, SevSnpEvidence.of(report), milan.endorsements(), INSPECT));
    }

    private static byte[] withInt(byte[] report, int offset, int value) {
        byte[] r = report.clone();
        ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return r;
    }

    @Test
    void truncatedExtendedAndEmptyReports() {
        refusedReport(Arrays.copyOf(milan.report(), 1183), "size: expected 1184, got 1183");
        refusedReport(Arrays.copyOf(milan.report(), 1185), "size: expected 1184, got 1185");
        refusedReport(new byte[0], "size");
        refusedReport(new byte[AttestationReport.SIZE], "unknown report version 0");
    }

    @Test
    void unknownReportVersionsAreRefusedBeforeAnythingElse() {
        for (int v : new int[] {0, 1, 6, 7, -1}) {
            refusedReport(withInt(milan.report(), 0, v), "unknown report version " + Integer.toUnsignedString(v));
        }
    }

    @Test
    void otherSignatureAlgorithmsAndSignersAreRefused() {
        refusedReport(withInt(milan.report(), 0x34, 2), "SIGNATURE_ALGO: expected 1, got 2");
        refusedReport(withInt(milan.report(), 0x48, 7 << 2), "signing key 7");
        refusedReport(withInt(milan.report(), 0x48, 1 << 5), "signer info bits 5-31");
        refusedReport(withInt(milan.report(), 0x30, 4), "VMPL 4");
    }

    @Test
    void nonZeroSignaturePaddingIsRefused() {
        byte[] r = milan.report();
        r[0x2A0 + 48] = 1;
        refusedReport(r, "padding of signature R");
        byte[] s = milan.report();
        s[0x2E8 + 71] = 1;
        refusedReport(s, "padding of signature S");
        byte[] t = milan.report();
        t[0x49F] = 1;
        refusedReport(t, "reserved tail of SIGNATURE");
    }

    @Test
    void aChangedSignedByteBreaksTheSignature() {
        byte[] r = milan.report();
        r[0x90] ^= 1; // MEASUREMENT
        refusedReport(r, "ECDSA P-384 signature over bytes [0, 0x2A0) does not verify");
    }

    @Test
    void theOtherReportsVcekDoesNotVerifyThisReport() {
        refused(
                "does not verify",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(debugMilan.signingCert(), debugMilan.askArk()),
                                INSPECT));
    }

    @Test
    void anotherProductsChainIsRefused() {
        byte[] genoa = Vectors.read(SevSnpSamples.dir().resolve("go-sev-guest/ask_ark_genoa.pem"));
        refused(
                "issuer is not the ASK",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(milan.signingCert(), genoa),
                                INSPECT));
        byte[] turin = Vectors.read(SevSnpSamples.dir().resolve("virtee-sev/cert_chain_turin"));
        refused(
                "VCEK: issuer is not the ASK",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(
                                        Vectors.read(SevSnpSamples.dir().resolve("virtee-sev/vcek_turin.der")),
                                        Vectors.read(SevSnpSamples.dir().resolve("go-sev-guest/ask_ark_milan.pem"))),
                                INSPECT));
        refused(
                "issuer is not the ASK",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(milan.signingCert(), turin),
                                INSPECT));
    }

    @Test
    void theVlekChainDoesNotCertifyAVcek() {
        byte[] vlek = Vectors.read(SevSnpSamples.dir().resolve("go-sev-guest/ask_ark_milan_vlek.pem"));
        refused(
                "subject CN: expected SEV-Milan, got SEV-VLEK-Milan",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(milan.signingCert(), vlek),
                                INSPECT));
    }

    @Test
    void aPolicyThatDoesNotTrustMilanRefusesIt() {
        SevSnpPolicy genoaOnly = INSPECT.withTrustedRoots(List.of(TrustedArk.amd(ProductLine.GENOA)));
        refused(
                "is not a root this policy trusts",
                () -> new SevSnpVerifier()
                        .verify(SevSnpSamples.NOW, milan.evidence(), milan.endorsements(), genoaOnly));
        refused(
                "is not a root this policy trusts",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.ofSigningCertificate(milan.signingCert()),
                                genoaOnly));
    }

    @Test
    void certificatesOutsideTheirValidityAreRefused() {
        refused(
                "VCEK is not valid at 2023-01-01",
                () -> new SevSnpVerifier()
                        .verify(
                                Instant.parse("2023-01-01T00:00:00Z"),
                                milan.evidence(),
                                milan.endorsements(),
                                INSPECT));
        refused(
                "VCEK is not valid at 2031",
                () -> new SevSnpVerifier()
                        .verify(
                                Instant.parse("2031-01-01T00:00:00Z"),
                                milan.evidence(),
                                milan.endorsements(),
                                INSPECT));
    }

    @Test
    void theCacheNeverOutlivesPolicyOrTime() throws Exception {
        SevSnpVerifier v = new SevSnpVerifier();
        v.verify(SevSnpSamples.NOW, milan.evidence(), milan.endorsements(), INSPECT);
        v.verify(SevSnpSamples.NOW, milan.evidence(), milan.endorsements(), INSPECT);
        assertEquals(1, v.chains().cachedChains());
        refused(
                "not valid at",
                () -> v.verify(Instant.parse("2031-01-01T00:00:00Z"), milan.evidence(), milan.endorsements(), INSPECT));
        refused(
                "not a root this policy trusts",
                () -> v.verify(
                        SevSnpSamples.NOW,
                        milan.evidence(),
                        milan.endorsements(),
                        INSPECT.withTrustedRoots(List.of(TrustedArk.amd(ProductLine.TURIN)))));
        refused(
                "does not verify",
                () -> v.verify(SevSnpSamples.NOW, debugMilan.evidence(), milan.endorsements(), INSPECT));
    }

    @Test
    void tamperedCertificatesAreRefused() {
        byte[] vcek = milan.signingCert();
        vcek[vcek.length - 10] ^= 1; // inside the RSASSA-PSS signature value
        refused(
                "RSASSA-PSS signature does not verify",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(vcek, milan.askArk()),
                                INSPECT));
        byte[] ask = AmdRoots.bundled(ProductLine.MILAN).askDer().toByteArray();
        ask[ask.length - 10] ^= 1;
        byte[] arkDer = AmdRoots.bundled(ProductLine.MILAN).arkDer().toByteArray();
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(ask)
                + "\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(arkDer) + "\n-----END CERTIFICATE-----\n";
        refused(
                "ASK signed by ARK: RSASSA-PSS signature does not verify",
                () -> new SevSnpVerifier()
                        .verify(
                                SevSnpSamples.NOW,
                                milan.evidence(),
                                SevSnpEndorsements.of(milan.signingCert(), pem.getBytes(StandardCharsets.US_ASCII)),
                                INSPECT));
    }

    @Test
    void endorsementParsersAreBounded() {
        byte[] pem = milan.askArk();
        byte[] five = new byte[pem.length * 3];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(pem, 0, five, i * pem.length, pem.length);
        }
        refused("more than 4 PEM blocks", () -> SevSnpEndorsements.of(milan.signingCert(), five));
        refused("exceeds the limit", () -> SevSnpEndorsements.of(milan.signingCert(), new byte[1 << 20]));
        refused("no certificate found", () -> SevSnpEndorsements.of(milan.signingCert(), "junk".getBytes()));
        refused(
                "certificates: expected 2, got 1",
                () -> SevSnpEndorsements.of(milan.signingCert(), milan.signingCert()));
        refused("exceeds the limit", () -> AmdCertificates.parseDer(new byte[9000], "x"));
        byte[] trailing = Arrays.copyOf(milan.signingCert(), milan.signingCert().length + 1);
        refused("trailing", () -> AmdCertificates.parseDer(trailing, "x"));
    }

    @Test
    void aForeignCertificateCannotBePassedOffAsAnAmdRoot() throws Exception {
        X509Certificate genoaArk = TrustedArk.amd(ProductLine.GENOA).certificate();
        assertThrows(
                IllegalArgumentException.class, () -> new TrustedArk(ProductLine.MILAN, RootKind.VENDOR, genoaArk));
    }

    @Test
    void everyBundledChainVerifiesAndMatchesItsPin() throws Exception {
        for (ProductLine p : ProductLine.values()) {
            AmdRoots.Bundled b = AmdRoots.bundled(p);
            assertEquals(p.arkSha256(), b.ark().sha256());
            X509Certificate ark = b.ark().certificate();
            AmdCertificates.verifyAmdPss(ark, ark.getPublicKey(), "ARK");
            AmdCertificates.verifyAmdPss(
                    AmdCertificates.parseDer(b.askDer().toByteArray(), "ASK"), ark.getPublicKey(), "ASK");
            AmdCertificates.verifyAmdPss(
                    AmdCertificates.parseDer(b.asvkDer().toByteArray(), "ASVK"), ark.getPublicKey(), "ASVK");
        }
        // The virtee copies are byte-identical to the bundled (go-sev-guest) ones.
        for (String p : List.of("milan", "genoa", "turin")) {
            byte[] ark = AmdCertificates.pemOrDerCertificates(
                            Vectors.read(SevSnpSamples.dir().resolve("virtee-sev/" + p + "_ark.pem")), p)
                    .getFirst();
            assertArrayEquals(
                    AmdRoots.bundled(ProductLine.valueOf(p.toUpperCase()))
                            .arkDer()
                            .toByteArray(),
                    ark);
        }
    }

    @Test
    void theTurinVcekChainsToTheTurinArkWithTheTurinTcbLayout() throws Exception {
        byte[] vcek = Vectors.read(SevSnpSamples.dir().resolve("virtee-sev/vcek_turin.der"));
        byte[] chain = Vectors.read(SevSnpSamples.dir().resolve("virtee-sev/cert_chain_turin"));
        AmdChainVerifier chains = new AmdChainVerifier();
        AmdChainVerifier.VerifiedChain v = chains.verify(
                SevSnpSamples.NOW,
                SevSnpEndorsements.of(vcek, chain),
                SevSnpPolicy.genuineAmd().trustedRoots());
        assertEquals(ProductLine.TURIN.arkSha256(), v.arkSha256());
        assertEquals("Turin", v.leaf().productName());
        assertEquals(TcbLayout.TURIN, v.leaf().tcb().layout());
        assertEquals(TcbVersion.turin(0, 0, 0, 0, 9), v.leaf().tcb());
        assertEquals(8, v.leaf().hwId().length());
        // the bundled Turin chain gives the same answer
        assertEquals(
                ProductLine.TURIN.arkSha256(),
                chains.verify(
                                SevSnpSamples.NOW,
                                SevSnpEndorsements.ofSigningCertificate(vcek),
                                SevSnpPolicy.genuineAmd().trustedRoots())
                        .arkSha256());
    }

    @Test
    void turinTcbLayoutDecodes() {
        // FMC 3, bootloader 9, TEE 2, SNP 11, microcode 72 (byte 0 FMC ... byte 7 microcode).
        TcbVersion t = TcbLayout.TURIN.decode(0x48_00_00_00_0b_02_09_03L);
        assertEquals(TcbVersion.turin(3, 9, 2, 11, 72), t);
        assertEquals(0x48_00_00_00_0b_02_09_03L, t.raw());
        assertTrue(t.isAtLeast(TcbVersion.turin(3, 9, 2, 11, 72)));
        assertTrue(!t.isAtLeast(TcbVersion.turin(3, 9, 2, 12, 0)));
        assertTrue(!t.isAtLeast(TcbVersion.milanGenoa(0, 0, 0, 0)));
    }
}
