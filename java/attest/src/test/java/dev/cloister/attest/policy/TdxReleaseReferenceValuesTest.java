package dev.cloister.attest.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.ImageDigest;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.SnpShape;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.entry.TdxRuntime;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release's TDX reference values appraise simulated TD quotes: a quote with one platform's MRTD and RTMR0 and the
 * release's RTMR1 and RTMR2 is accepted whatever its RTMR3; a wrong value in any of the four registers is refused
 * with that register named, expected and actual values shown.
 */
class TdxReleaseReferenceValuesTest {

    static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");

    @TempDir
    Path root;

    SimulatedTdxPlatform sim;
    TdxPolicy base;

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    static final TdxPlatform AZURE = new TdxPlatform(
            "azure DCesv5", "edk2-stable202411 IntelTdx", Bytes.of(filled(48, 0xa1)), Bytes.of(filled(48, 0xa0)));
    static final TdxPlatform GCP =
            new TdxPlatform("gcp c3", "gce tdx-ovmf", Bytes.of(filled(48, 0xb1)), Bytes.of(filled(48, 0xb0)));
    static final TdxRuntime RUNTIME = new TdxRuntime(Bytes.of(filled(48, 0x11)), Bytes.of(filled(48, 0x22)));

    static ReleaseManifest manifest(Optional<TdxRuntime> tdx, List<TdxPlatform> platforms) {
        return new ReleaseManifest(
                "cloister-enclave 0.3.0",
                Instant.parse("2026-11-01T00:00:00Z"),
                Instant.parse("2027-02-01T00:00:00Z"),
                0,
                false,
                List.of(new SnpShape(1, 1, Bytes.of(filled(48, 0x05)))),
                tdx,
                platforms,
                List.of(),
                0,
                List.of(new ImageDigest("vmlinuz", new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])))),
                Bytes.EMPTY,
                "0123abc",
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])));
    }

    static final List<TdxReleaseReferenceValues> VALUES =
            TdxReleaseReferenceValues.of(manifest(Optional.of(RUNTIME), List.of(AZURE, GCP)));

    @BeforeEach
    void simulator() throws Exception {
        sim = SimulatedTdxPlatform.openOrCreate(root.resolve("sim"), NOW, new SecureRandom());
        base = sim.insecurePolicy()
                .withReportData(new dev.cloister.attest.ReferenceValue.Digests(
                        List.of(dev.cloister.base.Bytes.of(new byte[64]))));
    }

    private TdxEvidence quote(byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, byte[] rtmr3) {
        return sim.quote(new byte[64], mrtd, List.of(rtmr0, rtmr1, rtmr2, rtmr3), false);
    }

    private TdxReleaseReferenceValues.Match appraise(TdxEvidence quote) throws AttestationException {
        return TdxReleaseReferenceValues.appraise(
                new TdxVerifier(), NOW, quote, TdxEndorsements.embeddedPckChain(), base, VALUES);
    }

    @Test
    void eachPlatformsQuoteMatchesItsOwnValuesWhateverRtmr3() throws Exception {
        assertEquals(2, VALUES.size());
        for (TdxPlatform p : List.of(AZURE, GCP)) {
            for (int rtmr3 : new int[] {0x00, 0x7e}) {
                TdxReleaseReferenceValues.Match m = appraise(quote(
                        p.mrtd().toByteArray(),
                        p.rtmr0().toByteArray(),
                        RUNTIME.rtmr1().toByteArray(),
                        RUNTIME.rtmr2().toByteArray(),
                        filled(48, rtmr3)));
                assertEquals(p, m.values().platform());
                assertEquals("cloister-enclave 0.3.0", m.values().release());
                assertTrue(
                        Arrays.equals(p.mrtd().toByteArray(), m.claims().quote().mrTd()));
            }
        }
    }

    @Test
    void theAppliedPolicyRequiresMrtdAndRtmr0To2AndSkipsRtmr3() {
        TdxPolicy p = VALUES.getFirst().applyTo(base);
        assertTrue(((ReferenceValue.Digests) p.mrTd()).matches(AZURE.mrtd().toByteArray()));
        assertTrue(((ReferenceValue.Digests) p.rtmrs().get(0))
                .matches(AZURE.rtmr0().toByteArray()));
        assertTrue(((ReferenceValue.Digests) p.rtmrs().get(1))
                .matches(RUNTIME.rtmr1().toByteArray()));
        assertTrue(((ReferenceValue.Digests) p.rtmrs().get(2))
                .matches(RUNTIME.rtmr2().toByteArray()));
        assertTrue(p.rtmrs().get(3) instanceof ReferenceValue.Skip);
        assertEquals(base.trustedRootSha256(), p.trustedRootSha256());
    }

    /** Register {@code which} (0 MRTD, 1..3 RTMR0..2) of an otherwise correct Azure quote replaced by 0x99 bytes. */
    private String refusedWithWrong(int which) {
        List<byte[]> r = new ArrayList<>(List.of(
                AZURE.mrtd().toByteArray(),
                AZURE.rtmr0().toByteArray(),
                RUNTIME.rtmr1().toByteArray(),
                RUNTIME.rtmr2().toByteArray()));
        r.set(which, filled(48, 0x99));
        TdxEvidence q = quote(r.get(0), r.get(1), r.get(2), r.get(3), new byte[48]);
        return assertThrows(AttestationException.class, () -> appraise(q)).getMessage();
    }

    @Test
    void aPolicyWithoutReportDataAndAQuoteForAnotherSessionAreRefused() {
        TdxPlatform p = AZURE;
        List<byte[]> r = List.of(
                p.rtmr0().toByteArray(),
                RUNTIME.rtmr1().toByteArray(),
                RUNTIME.rtmr2().toByteArray(),
                new byte[48]);
        TdxEvidence q = quote(p.mrtd().toByteArray(), r.get(0), r.get(1), r.get(2), r.get(3));
        AttestationException unbound = org.junit.jupiter.api.Assertions.assertThrows(
                AttestationException.class,
                () -> TdxReleaseReferenceValues.appraise(
                        new TdxVerifier(), NOW, q, TdxEndorsements.embeddedPckChain(), sim.insecurePolicy(), VALUES));
        assertTrue(unbound.getMessage().contains("binds no REPORT_DATA"), unbound.getMessage());
        TdxEvidence other = sim.quote(filled(64, 0x42), p.mrtd().toByteArray(), r, false);
        AttestationException replayed =
                org.junit.jupiter.api.Assertions.assertThrows(AttestationException.class, () -> appraise(other));
        assertTrue(replayed.getMessage().contains("REPORTDATA: expected"), replayed.getMessage());
    }

    @Test
    void aWrongMrtdIsRefusedNamingMrtd() {
        String why = refusedWithWrong(0);
        assertTrue(
                why.contains("release 'cloister-enclave 0.3.0' on TDX platform 'azure DCesv5': while appraising the "
                        + "TDX quote against the policy: MRTD: expected one of Digests["
                        + AZURE.mrtd().hex()
                        + "], got " + Hex.format(filled(48, 0x99))),
                why);
    }

    @Test
    void aWrongRtmr0IsRefusedNamingRtmr0() {
        String why = refusedWithWrong(1);
        assertTrue(
                why.contains("on TDX platform 'azure DCesv5': while appraising the TDX quote against the policy: "
                        + "RTMR0: expected one of Digests[" + AZURE.rtmr0().hex() + "]"),
                why);
    }

    @Test
    void aWrongRtmr1IsRefusedNamingRtmr1() {
        String why = refusedWithWrong(2);
        assertTrue(
                why.contains("on TDX platform 'azure DCesv5': while appraising the TDX quote against the policy: "
                        + "RTMR1: expected one of Digests[" + RUNTIME.rtmr1().hex() + "]"),
                why);
    }

    @Test
    void aWrongRtmr2IsRefusedNamingRtmr2() {
        String why = refusedWithWrong(3);
        assertTrue(
                why.contains("on TDX platform 'azure DCesv5': while appraising the TDX quote against the policy: "
                        + "RTMR2: expected one of Digests[" + RUNTIME.rtmr2().hex() + "]"),
                why);
        assertTrue(why.startsWith("the TDX quote matches no accepted release: "), why);
    }

    @Test
    void registersOfTwoPlatformsAreNotMixed() {
        TdxEvidence mixed = quote(
                AZURE.mrtd().toByteArray(),
                GCP.rtmr0().toByteArray(),
                RUNTIME.rtmr1().toByteArray(),
                RUNTIME.rtmr2().toByteArray(),
                new byte[48]);
        String why =
                assertThrows(AttestationException.class, () -> appraise(mixed)).getMessage();
        assertTrue(why.contains("'azure DCesv5': while appraising the TDX quote against the policy: RTMR0"), why);
        assertTrue(why.contains("'gcp c3': while appraising the TDX quote against the policy: MRTD"), why);
    }

    @Test
    void aReleaseWithoutTdxPlatformsGivesNoCandidate() {
        assertEquals(List.of(), TdxReleaseReferenceValues.of(manifest(Optional.of(RUNTIME), List.of())));
        assertEquals(List.of(), TdxReleaseReferenceValues.of(manifest(Optional.empty(), List.of())));
        TdxEvidence q = quote(
                AZURE.mrtd().toByteArray(),
                AZURE.rtmr0().toByteArray(),
                RUNTIME.rtmr1().toByteArray(),
                RUNTIME.rtmr2().toByteArray(),
                new byte[48]);
        String why = assertThrows(
                        AttestationException.class,
                        () -> TdxReleaseReferenceValues.appraise(
                                new TdxVerifier(), NOW, q, TdxEndorsements.embeddedPckChain(), base, List.of()))
                .getMessage();
        assertTrue(why.contains("no accepted release names a TDX platform"), why);
    }
}
