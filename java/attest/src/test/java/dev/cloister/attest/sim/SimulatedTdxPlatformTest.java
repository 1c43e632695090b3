package dev.cloister.attest.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxTcbLevel;
import dev.cloister.attest.tdx.TdxVerifier;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated TDX quotes and collateral go through the real {@link TdxVerifier}, TCB level included; only a policy that
 * trusts the simulated root accepts them. The collateral negatives that need a CA we hold (a revoked PCK serial, a
 * revoked TCB level, a TCB info for another platform) are made here.
 */
class SimulatedTdxPlatformTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    static final byte[] MRTD = filled(48, 0x4d);
    static final byte[] REPORT_DATA = filled(64, 0x52);
    static final List<byte[]> RTMRS = List.of(filled(48, 0), filled(48, 1), filled(48, 2), filled(48, 3));

    @TempDir
    static Path dir;

    static SimulatedTdxPlatform sim;

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    @BeforeAll
    static void generate() throws Exception {
        sim = SimulatedTdxPlatform.openOrCreate(dir, NOW, new SecureRandom());
    }

    static TdxEvidence quote() {
        return sim.quote(REPORT_DATA, MRTD, RTMRS, false);
    }

    static TdxClaims verify(TdxEvidence q, TdxCollateral c, TdxPolicy p) throws AttestationException {
        return new TdxVerifier().verify(NOW, q, TdxEndorsements.withCollateral(c), p);
    }

    static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void roundTripsWithItsCollateralUnderTheInsecurePolicy() throws Exception {
        TdxPolicy p = sim.insecurePolicy()
                .withTcb(TdxPolicy.TcbStatusIn.upToDate())
                .withMrTd(ReferenceValue.Digests.of(MRTD))
                .withReportData(ReferenceValue.Digests.of(REPORT_DATA));
        AttestationResult r = AttestationVerifier.create().verify(NOW, quote(), sim.endorsements(NOW), p);
        TdxClaims c = (TdxClaims) r.claims();
        assertArrayEquals(MRTD, c.quote().mrTd());
        assertEquals(SimulatedTdxPlatform.FMSPC, c.fmspc());
        TdxTcbLevel t = c.tcbLevel().orElseThrow();
        assertEquals(TcbStatus.UP_TO_DATE, t.status());
        assertEquals("TDX_01", t.tdxModuleIdentity());
        assertTrue(r.toJson().contains("\"tcb_status\":\"UpToDate\""), r.toJson());
        // Without collateral: genuine only, and a policy that needs a status refuses.
        TdxClaims genuine =
                new TdxVerifier().verify(NOW, quote(), TdxEndorsements.embeddedPckChain(), sim.insecurePolicy());
        assertTrue(genuine.tcbLevel().isEmpty());
        refused(
                "requires a TCB status",
                () -> new TdxVerifier().verify(NOW, quote(), TdxEndorsements.embeddedPckChain(), p));
    }

    @Test
    void theDefaultPolicyRefusesTheSimulatedRoot() {
        refused(
                "is not a root this policy trusts",
                () -> AttestationVerifier.create()
                        .verify(NOW, quote(), sim.endorsements(NOW), TdxPolicy.genuineIntel()));
        refused(
                "is not a root this policy trusts",
                () -> AttestationVerifier.create()
                        .verify(NOW, quote(), TdxEndorsements.embeddedPckChain(), TdxPolicy.genuineIntel()));
    }

    @Test
    void aRevokedPckCertificateIsRefused() {
        refused(
                "is revoked by the PCK CRL",
                () -> verify(quote(), sim.collateral(NOW, TcbStatus.UP_TO_DATE, true), sim.insecurePolicy()));
    }

    @Test
    void tcbStatusesAreAppraisedByThePolicy() throws Exception {
        TdxCollateral hardening = sim.collateral(NOW, TcbStatus.SW_HARDENING_NEEDED, false);
        refused(
                "TCB status: expected one of [UpToDate], got SWHardeningNeeded (advisories [SIM-SA-00001])",
                () -> verify(quote(), hardening, sim.insecurePolicy().withTcb(TdxPolicy.TcbStatusIn.upToDate())));
        TdxClaims c = verify(
                quote(),
                hardening,
                sim.insecurePolicy()
                        .withTcb(new TdxPolicy.TcbStatusIn(
                                Set.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED))));
        assertEquals(TcbStatus.SW_HARDENING_NEEDED, c.tcbLevel().orElseThrow().status());
        // The simulated collateral has TCB evaluation data number 17.
        verify(
                quote(),
                hardening,
                sim.insecurePolicy().withTcb(new TdxPolicy.TcbStatusIn(Set.of(TcbStatus.SW_HARDENING_NEEDED), 17)));
        refused(
                "TCB evaluation data number of the collateral (TCB info 17, QE identity 17): expected at least 18, "
                        + "got 17",
                () -> verify(
                        quote(),
                        hardening,
                        sim.insecurePolicy()
                                .withTcb(new TdxPolicy.TcbStatusIn(Set.of(TcbStatus.SW_HARDENING_NEEDED), 18))));
        // A revoked TCB level is refused by every policy, even one that requires nothing.
        refused(
                "the TCB level is Revoked",
                () -> verify(quote(), sim.collateral(NOW, TcbStatus.REVOKED, false), sim.insecurePolicy()));
    }

    @Test
    void collateralOutsideItsTimeOrForAnotherPlatformIsRefused() {
        TdxCollateral old = sim.collateral(NOW.minus(Duration.ofDays(60)), TcbStatus.UP_TO_DATE, false);
        refused("Root CA CRL is not current", () -> verify(quote(), old, sim.insecurePolicy()));
        TdxCollateral current = sim.collateral(NOW, TcbStatus.UP_TO_DATE, false);
        String other = "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2026-11-27T00:00:00Z\",\"nextUpdate\":"
                + "\"2026-12-27T00:00:00Z\",\"fmspc\":\"00606a000000\",\"pceId\":\"0000\",\"tcbType\":0,"
                + "\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" + "00".repeat(48) + "\","
                + "\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tcbLevels\":[]}";
        refused(
                "field \"tcbLevels\" is not an array of 1..1024",
                () -> verify(quote(), current.withTcbInfo(sim.signPcs("tcbInfo", other)), sim.insecurePolicy()));
        String sgx = other.replace("\"id\":\"TDX\"", "\"id\":\"SGX\"");
        refused(
                "TCB info id: expected TDX, got SGX",
                () -> verify(quote(), current.withTcbInfo(sim.signPcs("tcbInfo", sgx)), sim.insecurePolicy()));
        refused(
                "QE identity id: expected TD_QE, got QE",
                () -> verify(
                        quote(),
                        current.withQeIdentity(sim.signPcs("enclaveIdentity", "{\"id\":\"QE\",\"version\":2}")),
                        sim.insecurePolicy()));
    }

    @Test
    void debugTdsAndChangedQuotesAreRefused() {
        refused(
                "TDATTRIBUTES.DEBUG is set",
                () -> verify(
                        sim.quote(REPORT_DATA, MRTD, RTMRS, true),
                        sim.collateral(NOW, TcbStatus.UP_TO_DATE, false),
                        sim.insecurePolicy()));
        byte[] q = quote().quote();
        q[0x30 + 0x88] ^= 1; // MRTD
        refused(
                "attestation-key signature",
                () -> verify(
                        TdxEvidence.of(q), sim.collateral(NOW, TcbStatus.UP_TO_DATE, false), sim.insecurePolicy()));
    }

    @Test
    void reopeningTheDirectoryGivesTheSameRoot() throws Exception {
        assertEquals(
                sim.rootSha256(),
                SimulatedTdxPlatform.openOrCreate(dir, NOW, new SecureRandom()).rootSha256());
    }
}
