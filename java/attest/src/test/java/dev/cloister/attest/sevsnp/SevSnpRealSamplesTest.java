package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RootKind;
import dev.cloister.testing.Json;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every real report in testdata/vectors/sev-snp verifies with exactly the fields EXPECTED.json gives. */
class SevSnpRealSamplesTest {

    /**
     * Both published reports come from hosts running with SMT enabled (PLATFORM_INFO 0x1), which the default policy
     * refuses: to check their fields, SMT is explicitly allowed here.
     */
    static final SevSnpPolicy INSPECT = SevSnpPolicy.genuineAmd()
            .withDebug(SevSnpPolicy.DebugGuests.ACCEPT_INSECURE_FOR_INSPECTION)
            .withSmt(SevSnpPolicy.Smt.ALLOWED);

    /** The default policy with SMT allowed: the published samples' hosts run with SMT on. */
    static final SevSnpPolicy SMT_ALLOWED = SevSnpPolicy.genuineAmd().withSmt(SevSnpPolicy.Smt.ALLOWED);

    static List<SevSnpSamples.Sample> samples() {
        return SevSnpSamples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void verifiesWithExpectedFields(SevSnpSamples.Sample s) throws Exception {
        SevSnpClaims c = new SevSnpVerifier().verify(SevSnpSamples.NOW, s.evidence(), s.endorsements(), INSPECT);
        Map<String, Object> f = s.fields();
        AttestationReport r = c.report();
        HexFormat hex = HexFormat.of();
        assertEquals(s.expected().get("product"), c.product().kdsName());
        assertEquals(s.expected().get("signing_key"), c.signingKey().name());
        assertEquals(s.expected().get("vcek_productName"), c.vcekProductName());
        assertEquals(s.expected().get("ark_sha256_der"), c.arkSha256());
        assertEquals(RootKind.VENDOR, c.root());
        assertEquals(((Long) f.get("version")).intValue(), r.version());
        assertEquals(f.get("guest_svn"), r.guestSvn());
        assertEquals(Long.decode((String) f.get("policy")), r.policy().raw());
        assertEquals(((Long) f.get("vmpl")).intValue(), r.vmpl());
        assertEquals(((Long) f.get("signature_algo")).intValue(), r.signatureAlgo());
        assertEquals(Long.decode((String) f.get("platform_info")), r.platformInfo());
        assertEquals(Long.decode((String) f.get("signer_info")).intValue(), r.signerInfo());
        for (String k : List.of(
                "report_data",
                "measurement",
                "host_data",
                "id_key_digest",
                "author_key_digest",
                "report_id",
                "report_id_ma",
                "chip_id")) {
            byte[] actual = switch (k) {
                case "report_data" -> r.reportData();
                case "measurement" -> r.measurement();
                case "host_data" -> r.hostData();
                case "id_key_digest" -> r.idKeyDigest();
                case "author_key_digest" -> r.authorKeyDigest();
                case "report_id" -> r.reportId();
                case "report_id_ma" -> r.reportIdMa();
                default -> r.chipId();
            };
            assertEquals(f.get(k), hex.formatHex(actual), k);
        }
        assertTcb(f.get("current_tcb"), r.currentTcbRaw());
        assertTcb(f.get("reported_tcb"), r.reportedTcbRaw());
        assertTcb(f.get("committed_tcb"), r.committedTcbRaw());
        assertTcb(f.get("launch_tcb"), r.launchTcbRaw());
        assertTcb(f.get("reported_tcb"), c.tcb().raw());
        assertEquals(f.get("current_version"), r.currentVersion());
        assertEquals(f.get("committed_version"), r.committedVersion());
    }

    @SuppressWarnings("unchecked")
    private static void assertTcb(Object expected, long raw) {
        Map<String, Object> e = (Map<String, Object>) expected;
        assertEquals(Long.parseUnsignedLong(((String) e.get("raw")).substring(2), 16), raw);
        TcbVersion t = TcbLayout.MILAN_GENOA.decode(raw);
        assertEquals(((Long) e.get("bootloader")).intValue(), t.bootloader());
        assertEquals(((Long) e.get("tee")).intValue(), t.tee());
        assertEquals(((Long) e.get("snp")).intValue(), t.snp());
        assertEquals(((Long) e.get("microcode")).intValue(), t.microcode());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void verifiesWithTheBundledChainWhenOnlyTheVcekIsSupplied(SevSnpSamples.Sample s) throws Exception {
        SevSnpClaims c = new SevSnpVerifier()
                .verify(
                        SevSnpSamples.NOW,
                        s.evidence(),
                        SevSnpEndorsements.ofSigningCertificate(s.signingCert()),
                        INSPECT);
        assertEquals(ProductLine.MILAN, c.product());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void throughTheEntryPointTheClaimsBecomeJson(SevSnpSamples.Sample s) throws Exception {
        AttestationResult result =
                AttestationVerifier.create().verify(SevSnpSamples.NOW, s.evidence(), s.endorsements(), INSPECT);
        String json = result.toJson();
        Map<String, Object> parsed = (Map<String, Object>) Json.parse(json);
        assertEquals("accepted", parsed.get("verdict"));
        assertEquals("sev-snp", parsed.get("platform"));
        Map<String, Object> claims = (Map<String, Object>) parsed.get("claims");
        assertEquals(s.fields().get("measurement"), claims.get("measurement"));
        assertEquals(s.fields().get("report_data"), claims.get("report_data"));
        assertEquals("vendor", claims.get("root"));
    }

    @Test
    void theDefaultPolicyRefusesTheDebugGuestAndAcceptsTheOther() throws Exception {
        SevSnpSamples.Sample debug = SevSnpSamples.byName("go-sev-guest/attestation.bin");
        assertTrue(AttestationReport.parse(debug.report()).policy().debug());
        AttestationException e = assertThrows(
                AttestationException.class,
                () -> new SevSnpVerifier()
                        .verify(SevSnpSamples.NOW, debug.evidence(), debug.endorsements(), SevSnpPolicy.genuineAmd()));
        assertTrue(e.getMessage().contains("POLICY.DEBUG"), e.getMessage());

        SevSnpSamples.Sample ok = SevSnpSamples.byName("virtee-sev/report_milan.bin");
        // Its host runs with SMT on: the default refuses that; a policy that allows SMT accepts the report.
        AttestationException smt = assertThrows(
                AttestationException.class,
                () -> new SevSnpVerifier()
                        .verify(SevSnpSamples.NOW, ok.evidence(), ok.endorsements(), SevSnpPolicy.genuineAmd()));
        assertTrue(smt.getMessage().contains("PLATFORM_INFO.SMT_EN is set"), smt.getMessage());
        SevSnpClaims c = new SevSnpVerifier().verify(SevSnpSamples.NOW, ok.evidence(), ok.endorsements(), SMT_ALLOWED);
        assertFalse(c.policy().debug());
        assertFalse(c.policy().migrateMa());
    }

    @Test
    void policyReferenceValuesAreChecked() throws Exception {
        SevSnpSamples.Sample s = SevSnpSamples.byName("virtee-sev/report_milan.bin");
        Map<String, Object> f = s.fields();
        SevSnpPolicy exact = SMT_ALLOWED
                .withMeasurement(ReferenceValue.Digests.ofHex((String) f.get("measurement")))
                .withReportData(ReferenceValue.Digests.ofHex((String) f.get("report_data")))
                .withHostData(ReferenceValue.Digests.ofHex((String) f.get("host_data")))
                .withMinimumTcb(new ReferenceValue.MinimumTcb(TcbVersion.milanGenoa(3, 0, 8, 115)))
                .withMaximumVmpl(0);
        new SevSnpVerifier().verify(SevSnpSamples.NOW, s.evidence(), s.endorsements(), exact);

        String otherMeasurement = "00".repeat(48);
        rejects(s, exact.withMeasurement(ReferenceValue.Digests.ofHex(otherMeasurement)), "MEASUREMENT");
        rejects(s, exact.withReportData(ReferenceValue.Digests.ofHex("11".repeat(64))), "REPORT_DATA");
        rejects(s, exact.withHostData(ReferenceValue.Digests.ofHex("22".repeat(32))), "HOST_DATA");
        rejects(
                s,
                exact.withMinimumTcb(new ReferenceValue.MinimumTcb(TcbVersion.milanGenoa(3, 0, 9, 115))),
                "TCB below minimum");
        rejects(
                s,
                exact.withMinimumTcb(new ReferenceValue.MinimumTcb(TcbVersion.turin(0, 0, 0, 0, 0))),
                "TCB below minimum");
        rejects(s, exact.withSmt(SevSnpPolicy.Smt.FORBIDDEN), "SMT");
    }

    private static void rejects(SevSnpSamples.Sample s, SevSnpPolicy p, String reason) {
        AttestationException e = assertThrows(
                AttestationException.class,
                () -> new SevSnpVerifier().verify(SevSnpSamples.NOW, s.evidence(), s.endorsements(), p));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().startsWith("while "), e.getMessage());
    }
}
