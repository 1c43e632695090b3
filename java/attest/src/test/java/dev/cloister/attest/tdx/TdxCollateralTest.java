package dev.cloister.attest.tdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Intel's real PCS collateral of testdata/vectors/tdx (go-tdx-guest samples) against the real quotes, at
 * 2023-07-01, when the TCB info (issued 2023-06-18), QE identity (2023-06-08), PCK CRL (2023-06-08) and Root CA CRL
 * (2023-04-03) were all current and the TCB Signing certificate (until 2025-05-21) valid.
 */
class TdxCollateralTest {

    static final Instant JULY_2023 = Instant.parse("2023-07-01T00:00:00Z");
    static final Path DIR = Vectors.dir("tdx/go-tdx-guest");

    static byte[] file(String name) {
        return Vectors.read(DIR.resolve(name));
    }

    /** The collateral that goes with the SPR quote (FMSPC 50806f000000). */
    static TdxCollateral spr() {
        return TdxCollateral.of(
                file("sample_tcbInfo_response"),
                file("tcbinfo_issuer_chain.pem"),
                file("sample_qeIdentity_response"),
                file("qeidentity_issuer_chain.pem"),
                file("pckcrl"),
                file("rootcrl.der"));
    }

    static TdxClaims verify(Instant now, String quote, TdxCollateral c, TdxPolicy p) throws AttestationException {
        return new TdxVerifier().verify(now, TdxEvidence.of(file(quote)), TdxEndorsements.withCollateral(c), p);
    }

    static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    /**
     * Every signature, chain and CRL of the real collateral verifies, the QE report matches the QE identity, the TDX
     * module (version 0) matches {@code tdxModule}, and then the verdict is the one Intel's algorithm gives: the SPR
     * platform's PCK certificate has SGX TCB components 3,3,2,2,2,1,0,2 while both TCB levels of its TCB info need
     * 5,5,2,2,3,1,0,3, so its TCB is not supported.
     */
    @Test
    void realSprQuoteWithItsCollateralHasNoSupportedTcbLevel() {
        refused(
                "while finding the quote's TCB level in Intel's TCB info: no TCB level of the TCB info (FMSPC "
                        + "50806f000000) matches the platform: PCK SGX TCB components [3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, "
                        + "0, 0, 0], PCESVN 11, TEE_TCB_SVN 03000400000000000000000000000000; TCB not supported",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr(), TdxPolicy.genuineIntel()));
    }

    @Test
    void realQeReportMatchesTheRealQeIdentity() throws Exception {
        PcsSignedBody b = PcsSignedBody.split(file("sample_qeIdentity_response"), "enclaveIdentity");
        new IntelSgxPki()
                .p1363(
                        tcbSigning(),
                        b.signedBytes().toByteArray(),
                        b.signature().toByteArray(),
                        "enclaveIdentity");
        QeIdentity qe = QeIdentity.parse(b.signedBytes().toByteArray());
        TdxQuote q = TdxQuote.parse(file("tdx_prod_quote_SPR_E4.dat"));
        QeIdentity.Level l = qe.evaluate(q.qeReport());
        assertEquals(4, l.isvSvn());
        assertEquals(TcbStatus.UP_TO_DATE, l.status());
        byte[] otherSigner = q.qeReport();
        otherSigner[QeIdentity.MRSIGNER] ^= 1;
        refused("QE MRSIGNER", () -> qe.evaluate(otherSigner));
        byte[] otherProduct = q.qeReport();
        otherProduct[QeIdentity.ISVPRODID] = 3;
        refused("QE ISVPRODID: expected 2, got 3", () -> qe.evaluate(otherProduct));
        byte[] debugQe = q.qeReport();
        debugQe[QeIdentity.ATTRIBUTES] |= 0x02; // ATTRIBUTES.DEBUG
        refused("QE ATTRIBUTES under the mask", () -> qe.evaluate(debugQe));
        byte[] misc = q.qeReport();
        misc[QeIdentity.MISCSELECT] = 1;
        refused("QE MISCSELECT under the mask", () -> qe.evaluate(misc));
        byte[] oldQe = q.qeReport();
        oldQe[QeIdentity.ISVSVN] = 3;
        refused("QE ISVSVN 3 is below every TCB level", () -> qe.evaluate(oldQe));
    }

    /**
     * The v5 quote's TCB info (FMSPC 90c06f000000, issued 2026-02-01) is signed with the key of the same TCB Signing
     * certificate, which expired in 2025, so no instant makes both current: its signature and its TCB level are
     * checked here directly. PCK SGX components 4,4,2,2,4,1,0,5 / PCESVN 13 and TEE_TCB_SVN 0b0104… match the first
     * level (UpToDate); the module (version 1, SVN 11) matches identity TDX_01 at ISVSVN 6 (UpToDate).
     */
    @Test
    void realV5QuoteIsUpToDateInItsTcbInfo() throws Exception {
        PcsSignedBody b = PcsSignedBody.split(file("sample_tcbinfo_response_v5"), "tcbInfo");
        new IntelSgxPki()
                .p1363(
                        tcbSigning(),
                        b.signedBytes().toByteArray(),
                        b.signature().toByteArray(),
                        "tcbInfo");
        TcbInfo info = TcbInfo.parse(b.signedBytes().toByteArray());
        assertEquals(18, info.tcbEvaluationDataNumber());
        assertEquals(2, info.tdxModuleIdentities().size());
        TdxQuote q = TdxQuote.parse(file("quote_v5_sample.dat"));
        X509Certificate pck = new IntelSgxPki()
                .chain(Instant.parse("2026-11-28T00:00:00Z"), q.pckChain(), List.of(TdxPolicy.INTEL_SGX_ROOT_CA_SHA256))
                .getFirst();
        PckExtensions ext = PckExtensions.of(pck);
        assertEquals("90c06f000000", ext.fmspcHex());
        assertEquals(13, ext.pceSvn());
        TcbInfo.Evaluation ev = info.evaluate(ext, q.teeTcbSvn(), q.mrSignerSeam(), q.seamAttributes());
        assertEquals(TcbStatus.UP_TO_DATE, ev.platformLevel().status());
        assertEquals(Instant.parse("2024-11-13T00:00:00Z"), ev.platformLevel().tcbDate());
        assertEquals(TcbStatus.UP_TO_DATE, ev.moduleStatus());
        assertEquals("TDX_01", ev.moduleIdentity());

        // One PCESVN lower (12): the first two levels need PCESVN 13, the third (PCESVN 5, 2018) matches: OutOfDate.
        PckExtensions older = new PckExtensions(ext.sgxTcbComponents(), 12, ext.cpuSvn(), ext.pceId(), ext.fmspc());
        TcbInfo.Evaluation ev2 = info.evaluate(older, q.teeTcbSvn(), q.mrSignerSeam(), q.seamAttributes());
        assertEquals(TcbStatus.OUT_OF_DATE, ev2.platformLevel().status());
        assertEquals(Instant.parse("2018-01-04T00:00:00Z"), ev2.platformLevel().tcbDate());

        byte[] oldModule = q.teeTcbSvn();
        oldModule[0] = 4;
        assertEquals(
                TcbStatus.OUT_OF_DATE,
                info.evaluate(ext, oldModule, q.mrSignerSeam(), q.seamAttributes())
                        .moduleStatus());
        byte[] unknownModule = q.teeTcbSvn();
        unknownModule[1] = 2;
        refused(
                "no TDX module identity TDX_02",
                () -> info.evaluate(ext, unknownModule, q.mrSignerSeam(), q.seamAttributes()));
        byte[] signer = q.mrSignerSeam();
        signer[0] = 1;
        refused("MRSIGNERSEAM (TDX_01)", () -> info.evaluate(ext, q.teeTcbSvn(), signer, q.seamAttributes()));
        byte[] attrs = q.seamAttributes();
        attrs[7] = 1;
        refused(
                "SEAMATTRIBUTES under the mask (TDX_01)",
                () -> info.evaluate(ext, q.teeTcbSvn(), q.mrSignerSeam(), attrs));
    }

    private static X509Certificate tcbSigning() throws AttestationException {
        return new IntelSgxPki()
                .chain(
                        JULY_2023,
                        IntelSgxPki.pem(file("tcbinfo_issuer_chain.pem"), "chain"),
                        List.of(TdxPolicy.INTEL_SGX_ROOT_CA_SHA256))
                .getFirst();
    }

    @Test
    void oneChangedByteOfTheTcbInfoBreaksItsSignature() {
        byte[] tampered = file("sample_tcbInfo_response");
        String s = new String(tampered, StandardCharsets.US_ASCII);
        int at = s.indexOf("\"pcesvn\":11");
        tampered[at + 10] = '0';
        refused(
                "while verifying Intel's TCB info: tcbInfo: signature does not verify",
                () -> verify(
                        JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr().withTcbInfo(tampered), TdxPolicy.genuineIntel()));
        byte[] qe = file("sample_qeIdentity_response");
        int i = new String(qe, StandardCharsets.US_ASCII).indexOf("\"isvsvn\":4");
        qe[i + 9] = '3';
        refused(
                "enclaveIdentity: signature does not verify",
                () -> verify(
                        JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr().withQeIdentity(qe), TdxPolicy.genuineIntel()));
        byte[] sig = file("sample_tcbInfo_response");
        int h = new String(sig, StandardCharsets.US_ASCII).indexOf("\"signature\":\"") + 20;
        sig[h] = (byte) (sig[h] == '0' ? '1' : '0');
        refused(
                "tcbInfo: signature does not verify",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr().withTcbInfo(sig), TdxPolicy.genuineIntel()));
    }

    /**
     * A PCK certificate's key lives in a platform (and is what an attacker who broke one platform holds): collateral
     * "signed" through the PCK chain is refused before its signature is even considered.
     */
    @Test
    void onlyTheTcbSigningCertificateMaySignCollateral() throws Exception {
        TdxQuote q = TdxQuote.parse(file("tdx_prod_quote_SPR_E4.dat"));
        StringBuilder pem = new StringBuilder();
        for (byte[] der : q.pckChain()) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(java.util.Base64.getMimeEncoder().encodeToString(der))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        TdxCollateral viaPck = TdxCollateral.of(
                file("sample_tcbInfo_response"),
                pem.toString().getBytes(StandardCharsets.US_ASCII),
                file("sample_qeIdentity_response"),
                file("qeidentity_issuer_chain.pem"),
                file("pckcrl"),
                file("rootcrl.der"));
        refused(
                "while verifying the tcbInfo issuer chain: issuer chain length (TCB Signing certificate, root): "
                        + "expected 2, got 3",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", viaPck, TdxPolicy.genuineIntel()));
        String platformCa = pem.substring(pem.indexOf("-----BEGIN", 10));
        TdxCollateral viaCa = TdxCollateral.of(
                file("sample_tcbInfo_response"),
                platformCa.getBytes(StandardCharsets.US_ASCII),
                file("sample_qeIdentity_response"),
                file("qeidentity_issuer_chain.pem"),
                file("pckcrl"),
                file("rootcrl.der"));
        refused(
                "is not an SGX TCB Signing certificate",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", viaCa, TdxPolicy.genuineIntel()));
    }

    @Test
    void theV5TcbInfoIsForAnotherFmspc() {
        refused(
                "FMSPC (PCK certificate vs TCB info): expected 50806f000000, got 90c06f000000",
                () -> verify(
                        JULY_2023,
                        "tdx_prod_quote_SPR_E4.dat",
                        spr().withTcbInfo(file("sample_tcbinfo_response_v5")),
                        TdxPolicy.genuineIntel()));
    }

    @Test
    void collateralOutsideItsValidityIsRefused() {
        refused(
                "TCB info is not current at 2023-06-10T00:00:00Z (issued 2023-06-18T08:42:58Z",
                () -> verify(
                        Instant.parse("2023-06-10T00:00:00Z"),
                        "tdx_prod_quote_SPR_E4.dat",
                        spr(),
                        TdxPolicy.genuineIntel()));
        refused(
                "PCK CRL is not current at 2023-07-09T00:00:00Z",
                () -> verify(
                        Instant.parse("2023-07-09T00:00:00Z"),
                        "tdx_prod_quote_SPR_E4.dat",
                        spr(),
                        TdxPolicy.genuineIntel()));
        refused(
                "Root CA CRL is not current at 2024-05-01T00:00:00Z",
                () -> verify(
                        Instant.parse("2024-05-01T00:00:00Z"),
                        "tdx_prod_quote_SPR_E4.dat",
                        spr(),
                        TdxPolicy.genuineIntel()));
    }

    @Test
    void crlsFromTheWrongIssuerOrTamperedAreRefused() {
        refused(
                "PCK CRL issuer: expected C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Platform CA",
                () -> verify(
                        JULY_2023,
                        "tdx_prod_quote_SPR_E4.dat",
                        spr().withPckCrl(file("rootcrl.der")),
                        TdxPolicy.genuineIntel()));
        refused(
                "Root CA CRL issuer: expected C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA",
                () -> verify(
                        JULY_2023,
                        "tdx_prod_quote_SPR_E4.dat",
                        spr().withRootCrl(file("pckcrl")),
                        TdxPolicy.genuineIntel()));
        byte[] crl = file("pckcrl");
        crl[crl.length - 5] ^= 1;
        refused(
                "PCK CRL",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr().withPckCrl(crl), TdxPolicy.genuineIntel()));
        byte[] pem = file("pckcrl_issuer_chain.pem");
        refused(
                "not a DER X.509 CRL",
                () -> verify(JULY_2023, "tdx_prod_quote_SPR_E4.dat", spr().withPckCrl(pem), TdxPolicy.genuineIntel()));
    }

    @Test
    void malformedPcsResponsesAreRefused() {
        for (String body : List.of(
                "[]",
                "{\"tcbInfo\":{}}",
                "{\"signature\":\"00\"}",
                "{\"tcbInfo\":{},\"signature\":\"00\",\"x\":1}",
                "{\"tcbInfo\":{},\"tcbInfo\":{},\"signature\":\"\"}",
                "{\"tcbInfo\":{},\"signature\":\"zz\"}",
                "{\"tcbInfo\":{}} {}",
                "{\"tcbInfo\":[],\"signature\":\"\"}")) {
            assertThrows(
                    AttestationException.class,
                    () -> PcsSignedBody.split(body.getBytes(StandardCharsets.US_ASCII), "tcbInfo"),
                    body);
        }
        byte[] huge = new byte[PcsSignedBody.MAX_BYTES + 1];
        Arrays.fill(huge, (byte) ' ');
        refused("exceeds the limit", () -> PcsSignedBody.split(huge, "tcbInfo"));
    }

    @Test
    void aPolicyThatRequiresATcbStatusNeedsCollateral() {
        refused(
                "the policy requires a TCB status, and no PCS collateral",
                () -> new TdxVerifier()
                        .verify(
                                Instant.parse("2026-11-28T00:00:00Z"),
                                TdxEvidence.of(file("tdx_prod_quote_SPR_E4.dat")),
                                TdxEndorsements.embeddedPckChain(),
                                TdxPolicy.genuineIntel().withTcb(TdxPolicy.TcbStatusIn.upToDate())));
    }

    @Test
    void statusesConvergeAsIntelDefines() {
        assertEquals(TcbStatus.OUT_OF_DATE, TcbStatus.UP_TO_DATE.convergeWith(TcbStatus.OUT_OF_DATE));
        assertEquals(TcbStatus.OUT_OF_DATE, TcbStatus.SW_HARDENING_NEEDED.convergeWith(TcbStatus.OUT_OF_DATE));
        assertEquals(
                TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED,
                TcbStatus.CONFIGURATION_NEEDED.convergeWith(TcbStatus.OUT_OF_DATE));
        assertEquals(TcbStatus.REVOKED, TcbStatus.UP_TO_DATE.convergeWith(TcbStatus.REVOKED));
        assertEquals(TcbStatus.SW_HARDENING_NEEDED, TcbStatus.SW_HARDENING_NEEDED.convergeWith(TcbStatus.UP_TO_DATE));
        refused("unknown TCB status \"Fine\"", () -> TcbStatus.fromPcsName("Fine"));
        assertThrows(
                IllegalArgumentException.class, () -> new TdxPolicy.TcbStatusIn(java.util.Set.of(TcbStatus.REVOKED)));
    }
}
