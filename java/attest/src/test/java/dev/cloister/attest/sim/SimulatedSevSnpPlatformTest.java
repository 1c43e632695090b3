package dev.cloister.attest.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RootKind;
import dev.cloister.attest.sevsnp.AttestationReport;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.SevSnpVerifier;
import dev.cloister.attest.sevsnp.TcbFloors;
import dev.cloister.attest.sevsnp.TcbVersion;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated platform's reports go through the real verifier, and only a policy that trusts its root accepts them. */
class SimulatedSevSnpPlatformTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    @TempDir
    static Path dir;

    static SimulatedSevSnpPlatform sim;
    static final byte[] MEASUREMENT = filled(48, 0x4d);
    static final byte[] REPORT_DATA = filled(64, 0x52);

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    @BeforeAll
    static void generate() throws Exception {
        sim = SimulatedSevSnpPlatform.openOrCreate(dir, NOW, new SecureRandom());
    }

    private static SevSnpClaims verify(SevSnpEvidence e, SevSnpPolicy p) throws AttestationException {
        return new SevSnpVerifier().verify(NOW, e, sim.endorsements(), p);
    }

    private static void refused(SimulatedReportRequest request, SevSnpPolicy policy, String reason) {
        AttestationException x = assertThrows(AttestationException.class, () -> verify(sim.report(request), policy));
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void roundTripsThroughTheRealVerifier() throws Exception {
        SevSnpEvidence e = sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT));
        assertEquals(AttestationReport.SIZE, e.report().length);
        SevSnpPolicy p = sim.insecurePolicy()
                .withMeasurement(ReferenceValue.Digests.of(MEASUREMENT))
                .withReportData(ReferenceValue.Digests.of(REPORT_DATA))
                .withMinimumTcb(new ReferenceValue.MinimumTcb(SimulatedSevSnpPlatform.TCB))
                .withMaximumVmpl(0);
        SevSnpClaims c = verify(e, p);
        assertEquals(RootKind.SIMULATED, c.root());
        assertEquals(ProductLine.GENOA, c.product());
        assertEquals(3, c.report().version());
        assertArrayEquals(MEASUREMENT, c.measurement());
        assertArrayEquals(REPORT_DATA, c.reportData());
        assertEquals(SimulatedSevSnpPlatform.TCB, c.tcb());
        assertEquals(
                sim.chipIdHex(), java.util.HexFormat.of().formatHex(c.report().chipId()));
        AttestationResult r = AttestationVerifier.create().verify(NOW, e, sim.endorsements(), p);
        assertTrue(r.toJson().contains("\"root\":\"simulated\""), r.toJson());
    }

    /**
     * The report signature is checked by an implementation other than the signer's (the JDK's, not BouncyCastle's),
     * against the VCEK certificate's key: R and S little-endian in their 72-byte fields, over bytes [0, 0x2A0).
     */
    @Test
    void theReportSignatureVerifiesWithTheJdk() throws Exception {
        byte[] report =
                sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT)).report();
        java.security.PublicKey vcek = java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(sim.vcekDer()))
                .getPublicKey();
        byte[] p1363 = new byte[96];
        for (int i = 0; i < 48; i++) {
            p1363[47 - i] = report[0x2A0 + i];
            p1363[95 - i] = report[0x2A0 + 72 + i];
        }
        java.security.Signature jdk = java.security.Signature.getInstance("SHA384withECDSAinP1363Format");
        jdk.initVerify(vcek);
        jdk.update(report, 0, AttestationReport.SIGNED_LENGTH);
        assertTrue(jdk.verify(p1363));
        report[0x50] ^= 1; // REPORT_DATA
        jdk.initVerify(vcek);
        jdk.update(report, 0, AttestationReport.SIGNED_LENGTH);
        assertFalse(jdk.verify(p1363));
    }

    @Test
    void theDefaultPolicyRefusesSimulatedReports() {
        refused(
                SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT),
                SevSnpPolicy.genuineAmd(),
                "is not a root this policy trusts");
        // Even with the VCEK alone, the product's bundled AMD chain does not certify the simulated VCEK.
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new SevSnpVerifier()
                        .verify(
                                NOW,
                                sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT)),
                                dev.cloister.attest.sevsnp.SevSnpEndorsements.ofSigningCertificate(sim.vcekDer()),
                                SevSnpPolicy.genuineAmd()));
        assertTrue(x.getMessage().contains("issuer is not the ASK"), x.getMessage());
    }

    @Test
    void theChainIsKeptAndReused() throws Exception {
        SimulatedSevSnpPlatform again =
                SimulatedSevSnpPlatform.openOrCreate(dir, NOW.plusSeconds(60), new SecureRandom());
        assertEquals(sim.root().sha256(), again.root().sha256());
        verify(again.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT)), sim.insecurePolicy());
    }

    @Test
    void anotherSimulatedPlatformsRootDoesNotVerifyThisOne(@TempDir Path other) throws Exception {
        SimulatedSevSnpPlatform stranger = SimulatedSevSnpPlatform.openOrCreate(other, NOW, new SecureRandom());
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new SevSnpVerifier()
                        .verify(
                                NOW,
                                sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT)),
                                sim.endorsements(),
                                stranger.insecurePolicy()));
        assertTrue(x.getMessage().contains("is not a root this policy trusts"), x.getMessage());
    }

    @Test
    void guestPolicyBitsAreEnforced() throws Exception {
        SimulatedReportRequest ok = SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT);
        SevSnpPolicy inspect = sim.insecurePolicy().withDebug(SevSnpPolicy.DebugGuests.ACCEPT_INSECURE_FOR_INSPECTION);
        refused(ok.withGuestPolicy(0x30000L | 1L << 19), sim.insecurePolicy(), "POLICY.DEBUG");
        refused(ok.withGuestPolicy(0x30000L | 1L << 18), sim.insecurePolicy(), "POLICY.MIGRATE_MA");
        refused(ok.withGuestPolicy(0x30000L | 1L << 18), inspect, "POLICY.MIGRATE_MA");
        refused(ok.withGuestPolicy(0x10000L), sim.insecurePolicy(), "bit 17");
        refused(ok.withVmpl(2), sim.insecurePolicy().withMaximumVmpl(1), "VMPL: expected at most 1, got 2");
        // The default forbids SMT: a host that runs with it is refused unless the policy (a release) allows it.
        refused(ok.withPlatformInfo(1), sim.insecurePolicy(), "PLATFORM_INFO.SMT_EN is set");
        assertTrue(
                verify(sim.report(ok.withPlatformInfo(1)), sim.insecurePolicy().withSmt(SevSnpPolicy.Smt.ALLOWED))
                        .report()
                        .smtEnabled());
        // The default requires VMPL 0: a report requested from VMPL 1 is refused unless the policy widens it.
        refused(ok.withVmpl(1), sim.insecurePolicy(), "VMPL: expected at most 0, got 1");
        verify(sim.report(ok.withVmpl(1)), sim.insecurePolicy().withMaximumVmpl(1));
    }

    @Test
    void perProductFloorsApplyTheFloorOfTheReportsProductLine() throws Exception {
        SimulatedReportRequest ok = SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT);
        // The simulated Genoa (SNP 21, microcode 72) is below the shipped Genoa floor (SNP 0x1B, microcode 0x56):
        // refused, and the refusal names both values.
        AttestationException below = assertThrows(
                AttestationException.class,
                () -> verify(
                        sim.report(ok),
                        sim.insecurePolicy().withMinimumTcb(new ReferenceValue.MinimumTcb(TcbFloors.shipped()))));
        assertTrue(below.getMessage().contains("TCB below minimum for Genoa"), below.getMessage());
        assertTrue(below.getMessage().contains("at least bl=0 tee=0 snp=27 ucode=86"), below.getMessage());
        assertTrue(below.getMessage().contains("got bl=9 tee=0 snp=21 ucode=72"), below.getMessage());
        // A Milan floor does not apply to a Genoa report: with no Genoa floor the report is refused, not let through.
        TcbFloors milanOnly = new TcbFloors(Map.of(ProductLine.MILAN, TcbVersion.milanGenoa(0, 0, 0, 0)));
        refused(
                ok,
                sim.insecurePolicy().withMinimumTcb(new ReferenceValue.MinimumTcb(milanOnly)),
                "the policy sets no TCB floor for Genoa");
        // At exactly its own TCB, and with the Milan floor far above it, the Genoa report is accepted.
        TcbFloors exact = new TcbFloors(Map.of(
                ProductLine.GENOA,
                SimulatedSevSnpPlatform.TCB,
                ProductLine.MILAN,
                TcbVersion.milanGenoa(255, 255, 255, 255)));
        verify(sim.report(ok), sim.insecurePolicy().withMinimumTcb(new ReferenceValue.MinimumTcb(exact)));
        // One component below (microcode 73 required) is enough to refuse.
        TcbFloors oneAbove = new TcbFloors(Map.of(ProductLine.GENOA, TcbVersion.milanGenoa(9, 0, 21, 73)));
        refused(ok, sim.insecurePolicy().withMinimumTcb(new ReferenceValue.MinimumTcb(oneAbove)), "ucode=73");
    }

    @Test
    void debugGuestsAreOnlyAcceptedForInspection() throws Exception {
        SevSnpPolicy inspect = sim.insecurePolicy().withDebug(SevSnpPolicy.DebugGuests.ACCEPT_INSECURE_FOR_INSPECTION);
        SevSnpClaims c = verify(
                sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT).withGuestPolicy(0x30000L | 1L << 19)),
                inspect);
        assertTrue(c.policy().debug());
    }

    @Test
    void theReportedTcbMustEqualTheVcekTcb() {
        SimulatedReportRequest ok = SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT);
        TcbVersion t = SimulatedSevSnpPlatform.TCB;
        refused(
                ok.withReportedTcb(TcbVersion.milanGenoa(t.bootloader(), t.tee(), t.snp() + 1, t.microcode())),
                sim.insecurePolicy(),
                "REPORTED_TCB against the VCEK certificate's TCB");
        refused(
                ok.withReportedTcb(TcbVersion.milanGenoa(t.bootloader(), t.tee(), t.snp() - 1, t.microcode())),
                sim.insecurePolicy(),
                "REPORTED_TCB against the VCEK certificate's TCB");
    }

    @Test
    void everyFlippedByteOfASimulatedReportIsRefused() throws Exception {
        SevSnpEvidence e = sim.report(SimulatedReportRequest.of(REPORT_DATA, MEASUREMENT));
        SevSnpVerifier v = new SevSnpVerifier();
        v.verify(NOW, e, sim.endorsements(), sim.insecurePolicy());
        byte[] r = e.report();
        // Every 4th byte (296 verifications): the real samples get the exhaustive flip test.
        for (int i = 0; i < r.length; i += 4) {
            r[i] ^= 1;
            int at = i;
            assertThrows(
                    AttestationException.class,
                    () -> v.verify(NOW, SevSnpEvidence.of(r), sim.endorsements(), sim.insecurePolicy()),
                    "byte " + at);
            r[i] ^= 1;
        }
    }
}
