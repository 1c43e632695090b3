package dev.cloister.client.keys;

import static dev.cloister.client.keys.ReleaseTransparencyTest.NOW;
import static dev.cloister.client.keys.ReleaseTransparencyTest.RELEASE_KEY;
import static dev.cloister.client.keys.ReleaseTransparencyTest.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxVerifier;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.entry.TdxRuntime;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client checks a TDX quote against the releases the ledger vouches for (release format v3): MRTD and RTMR0 of one
 * of a release's platforms, that release's RTMR1 and RTMR2; each wrong register is refused by name. SEV-SNP releases
 * are accepted as before and give no TDX candidate.
 */
class ReleaseTransparencyTdxTest {

    private static final String ORIGIN = "ledger.cloister.example/release-tdx-test";
    static final TdxPlatform PLATFORM = new TdxPlatform(
            "qemu 9.2 q35, 4 vCPUs, 8G", "edk2-stable202411 IntelTdx", filled(48, 0xd1), filled(48, 0xd0));
    static final TdxRuntime RUNTIME = new TdxRuntime(filled(48, 0xe1), filled(48, 0xe2));

    @TempDir
    Path dir;

    private TestLog log;
    private SimulatedTdxPlatform sim;

    @BeforeEach
    void log() throws Exception {
        log = new TestLog(dir.resolve("log"), ORIGIN, 2);
        sim = SimulatedTdxPlatform.openOrCreate(dir.resolve("sim"), NOW, new SecureRandom());
    }

    static SignedRelease tdxRelease() {
        ReleaseManifest snp = ReleaseTransparencyTest.manifest(
                0x31, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), 0, false, List.of());
        return SignedRelease.sign(
                new ReleaseManifest(
                        snp.release(),
                        snp.notBefore(),
                        snp.notAfter(),
                        0,
                        false,
                        snp.snpShapes(),
                        Optional.of(RUNTIME),
                        List.of(PLATFORM),
                        List.of(),
                        0,
                        snp.images(),
                        snp.launchDescription(),
                        snp.sourceRevision(),
                        snp.buildRecipe()),
                RELEASE_KEY);
    }

    private List<ReleaseTransparency.PublishedRelease> accepted(SignedRelease... releases) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        for (SignedRelease r : releases) entries.add(r.encode());
        List<TlogProof> proofs = log.publish(entries, log.witnesses, NOW.minusSeconds(5));
        return new ReleaseTransparency(
                        LedgerView.inMemory(log.identity(), log.allOf(Duration.ofMinutes(10)), log.sequencer),
                        new ReleaseTrust(List.of(RELEASE_KEY.verifier().verifierKey()), Duration.ZERO))
                .check(new KeyProofs(proofs), NOW);
    }

    private TdxEvidence quote(Bytes mrtd, Bytes rtmr0, Bytes rtmr1, Bytes rtmr2) {
        return sim.quote(
                new byte[64],
                mrtd.toByteArray(),
                List.of(rtmr0.toByteArray(), rtmr1.toByteArray(), rtmr2.toByteArray(), new byte[48]),
                false);
    }

    private TdxReleaseReferenceValues.Match appraise(TdxEvidence q, List<ReleaseTransparency.PublishedRelease> rs)
            throws AttestationException {
        return ReleaseTransparency.appraiseTdx(
                new TdxVerifier(),
                NOW,
                q,
                TdxEndorsements.embeddedPckChain(),
                sim.insecurePolicy()
                        .withReportData(
                                new dev.cloister.attest.ReferenceValue.Digests(List.of(Bytes.of(new byte[64])))),
                rs);
    }

    @Test
    void aQuoteWithTheReleasedRegistersIsAccepted() throws Exception {
        SignedRelease release = tdxRelease();
        List<ReleaseTransparency.PublishedRelease> accepted = accepted(release);
        assertEquals(1, accepted.getFirst().tdxReferenceValues().size());
        TdxReleaseReferenceValues.Match m =
                appraise(quote(PLATFORM.mrtd(), PLATFORM.rtmr0(), RUNTIME.rtmr1(), RUNTIME.rtmr2()), accepted);
        assertEquals(PLATFORM, m.values().platform());
        assertEquals(release.manifest().release(), m.values().release());
        // The firmware's MRTD, which every release on the platform shares, names no release on its own.
        assertTrue(ReleaseTransparency.find(accepted, PLATFORM.mrtd().toByteArray())
                .isEmpty());
    }

    private String refused(Bytes mrtd, Bytes rtmr0, Bytes rtmr1, Bytes rtmr2) throws Exception {
        List<ReleaseTransparency.PublishedRelease> accepted = accepted(tdxRelease());
        TdxEvidence q = quote(mrtd, rtmr0, rtmr1, rtmr2);
        return assertThrows(AttestationException.class, () -> appraise(q, accepted))
                .getMessage();
    }

    @Test
    void aWrongMrtdIsRefused() throws Exception {
        String why = refused(filled(48, 0x01), PLATFORM.rtmr0(), RUNTIME.rtmr1(), RUNTIME.rtmr2());
        assertTrue(
                why.contains("MRTD: expected one of Digests[" + PLATFORM.mrtd().hex() + "], got "
                        + filled(48, 0x01).hex()),
                why);
    }

    @Test
    void aWrongRtmr0IsRefused() throws Exception {
        String why = refused(PLATFORM.mrtd(), filled(48, 0x01), RUNTIME.rtmr1(), RUNTIME.rtmr2());
        assertTrue(
                why.contains(
                        "RTMR0: expected one of Digests[" + PLATFORM.rtmr0().hex() + "]"),
                why);
    }

    @Test
    void aWrongRtmr1IsRefused() throws Exception {
        String why = refused(PLATFORM.mrtd(), PLATFORM.rtmr0(), filled(48, 0x01), RUNTIME.rtmr2());
        assertTrue(
                why.contains("RTMR1: expected one of Digests[" + RUNTIME.rtmr1().hex() + "]"), why);
    }

    @Test
    void aWrongRtmr2IsRefused() throws Exception {
        String why = refused(PLATFORM.mrtd(), PLATFORM.rtmr0(), RUNTIME.rtmr1(), filled(48, 0x01));
        assertTrue(
                why.contains("RTMR2: expected one of Digests[" + RUNTIME.rtmr2().hex() + "]"), why);
        assertTrue(
                why.contains("release '" + tdxRelease().manifest().release() + "' on TDX platform '"
                        + PLATFORM.platform() + "'"),
                why);
    }

    @Test
    void sevSnpReleasesGiveNoTdxCandidate() throws Exception {
        List<ReleaseTransparency.PublishedRelease> accepted = accepted(ReleaseTransparencyTest.signed(0x41));
        assertEquals(List.of(), accepted.getFirst().tdxReferenceValues());
        TdxEvidence q = quote(PLATFORM.mrtd(), PLATFORM.rtmr0(), RUNTIME.rtmr1(), RUNTIME.rtmr2());
        String why = assertThrows(AttestationException.class, () -> appraise(q, accepted))
                .getMessage();
        assertTrue(why.contains("no accepted release names a TDX platform"), why);
    }
}
