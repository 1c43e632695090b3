package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.GpuReferenceValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's default GPU policy takes its RIMs from the releases the ledger vouches for, and only from them. */
class PublishedRimsTest {

    private static Bytes filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return Bytes.of(a);
    }

    /** HOPPER's RIMs: driver RIM {@code driver}…, VBIOS RIMs {@code vbios}… (one each per byte given). */
    private static RaTlsPolicy.ModelRimDigests hopper(int driver, int... vbios) {
        return new RaTlsPolicy.ModelRimDigests(
                "HOPPER",
                filled(48, driver),
                java.util.Arrays.stream(vbios).mapToObj(v -> filled(48, v)).toList());
    }

    /** The SEV-SNP launch of digest {@code b}…{@code b}. */
    private static RaTlsPolicy.LaunchMeasurement snp(int b) {
        return new RaTlsPolicy.SevSnpLaunch(filled(48, b));
    }

    private static ReleaseTransparency.PublishedRelease release(List<GpuReferenceValue> gpus) {
        return new ReleaseTransparency.PublishedRelease(
                dev.cloister.ledger.entry.SignedRelease.sign(
                        ReleaseTransparencyTest.manifest(
                                0x11,
                                ReleaseTransparencyTest.NOW,
                                ReleaseTransparencyTest.NOW.plusSeconds(60),
                                0,
                                false,
                                gpus),
                        ReleaseTransparencyTest.RELEASE_KEY),
                1,
                2);
    }

    private static final RaTlsPolicy.RequireGpu FROM_LEDGER = new RaTlsPolicy.RequireGpu(
            NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5), new RaTlsPolicy.FromLedger());

    @Test
    void theReleasesDriverAndVbiosRimsBecomeThePolicysRims() throws Exception {
        GpuReferenceValue h100 = new GpuReferenceValue(
                "HOPPER",
                new Digest(Digest.Algorithm.SHA_384, filled(48, 0x44)),
                new Digest(Digest.Algorithm.SHA_384, filled(48, 0x55)));
        RaTlsPolicy.GpuRequirement g =
                ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(release(List.of(h100))));
        RaTlsPolicy.PublishedRims rims = (RaTlsPolicy.PublishedRims) ((RaTlsPolicy.RequireGpu) g).rims();
        assertEquals(java.util.Map.of(snp(0x11), List.of(hopper(0x44, 0x55))), rims.byLaunch());
    }

    @Test
    void eachReleasesRimsAreKeyedByItsOwnLaunchDigestNotPooled() throws Exception {
        GpuReferenceValue other = new GpuReferenceValue(
                "HOPPER",
                new Digest(Digest.Algorithm.SHA_384, filled(48, 0x46)),
                new Digest(Digest.Algorithm.SHA_384, filled(48, 0x57)));
        ReleaseTransparency.PublishedRelease second = new ReleaseTransparency.PublishedRelease(
                dev.cloister.ledger.entry.SignedRelease.sign(
                        ReleaseTransparencyTest.manifest(
                                0x22,
                                ReleaseTransparencyTest.NOW,
                                ReleaseTransparencyTest.NOW.plusSeconds(60),
                                0,
                                false,
                                List.of(other)),
                        ReleaseTransparencyTest.RELEASE_KEY),
                3,
                4);
        ReleaseTransparency.PublishedRelease cpuOnly =
                new ReleaseTransparency.PublishedRelease(ReleaseTransparencyTest.signed(0x33), 5, 6);
        RaTlsPolicy.RequireGpu g = (RaTlsPolicy.RequireGpu)
                ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(release(List.of(H100)), second, cpuOnly));
        assertEquals(
                java.util.Map.of(
                        snp(0x11), List.of(hopper(0x44, 0x55)),
                        snp(0x22), List.of(hopper(0x46, 0x57))),
                ((RaTlsPolicy.PublishedRims) g.rims()).byLaunch());
        // The CPU-only release has no RIMs, and its GPU count is 0.
        assertEquals(0, ((RaTlsPolicy.ByRelease) g.gpus()).byLaunch().get(snp(0x33)));
    }

    private static ReleaseTransparency.PublishedRelease release(List<GpuReferenceValue> gpus, int gpuCount) {
        dev.cloister.ledger.entry.ReleaseManifest m = ReleaseTransparencyTest.manifest(
                0x11, ReleaseTransparencyTest.NOW, ReleaseTransparencyTest.NOW.plusSeconds(60), 0, false, gpus);
        return new ReleaseTransparency.PublishedRelease(
                dev.cloister.ledger.entry.SignedRelease.sign(
                        m.withRelease(m.release() + " on " + gpuCount).withGpus(m.gpus(), gpuCount),
                        ReleaseTransparencyTest.RELEASE_KEY),
                1,
                2);
    }

    private static final GpuReferenceValue H100 = new GpuReferenceValue(
            "HOPPER",
            new Digest(Digest.Algorithm.SHA_384, filled(48, 0x44)),
            new Digest(Digest.Algorithm.SHA_384, filled(48, 0x55)));

    @Test
    void theReleasesGpuCountBecomesThePolicysCountForItsLaunchDigest() throws Exception {
        RaTlsPolicy.RequireGpu g = (RaTlsPolicy.RequireGpu)
                ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(release(List.of(H100), 2)));
        RaTlsPolicy.ByRelease counts = (RaTlsPolicy.ByRelease) g.gpus();
        assertEquals(java.util.Map.of(snp(0x11), 2), counts.byLaunch());
        // A one-GPU release (the default when it names reference values) gives 1.
        RaTlsPolicy.RequireGpu one = (RaTlsPolicy.RequireGpu)
                ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(release(List.of(H100))));
        assertEquals(java.util.Map.of(snp(0x11), 1), ((RaTlsPolicy.ByRelease) one.gpus()).byLaunch());
    }

    @Test
    void aTdxReleasesCountAndRimsAreKeyedByEachOfItsPlatformsRegistersNotByMrtdAlone() throws Exception {
        dev.cloister.ledger.entry.ReleaseManifest snpOnly = ReleaseTransparencyTest.manifest(
                0x11,
                ReleaseTransparencyTest.NOW,
                ReleaseTransparencyTest.NOW.plusSeconds(60),
                0,
                false,
                List.of(H100));
        dev.cloister.ledger.entry.TdxRuntime runtime =
                new dev.cloister.ledger.entry.TdxRuntime(filled(48, 0x61), filled(48, 0x62));
        List<dev.cloister.ledger.entry.TdxPlatform> platforms = List.of(
                new dev.cloister.ledger.entry.TdxPlatform("host a", "tdvf 1", filled(48, 0x71), filled(48, 0x70)),
                new dev.cloister.ledger.entry.TdxPlatform("host b", "tdvf 1", filled(48, 0x71), filled(48, 0x72)));
        ReleaseTransparency.PublishedRelease tdx = new ReleaseTransparency.PublishedRelease(
                dev.cloister.ledger.entry.SignedRelease.sign(
                        snpOnly.withTdx(java.util.Optional.of(runtime), platforms)
                                .withGpus(snpOnly.gpus(), 2),
                        ReleaseTransparencyTest.RELEASE_KEY),
                1,
                2);
        RaTlsPolicy.RequireGpu g =
                (RaTlsPolicy.RequireGpu) ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(tdx));
        RaTlsPolicy.LaunchMeasurement hostA =
                new RaTlsPolicy.TdxLaunch(filled(48, 0x71), filled(48, 0x70), filled(48, 0x61), filled(48, 0x62));
        RaTlsPolicy.LaunchMeasurement hostB =
                new RaTlsPolicy.TdxLaunch(filled(48, 0x71), filled(48, 0x72), filled(48, 0x61), filled(48, 0x62));
        // Its SEV-SNP shape, and each TDX platform with the release's RTMR1 and RTMR2.
        assertEquals(java.util.Map.of(snp(0x11), 2, hostA, 2, hostB, 2), ((RaTlsPolicy.ByRelease) g.gpus()).byLaunch());
        assertEquals(
                List.of(hopper(0x44, 0x55)),
                ((RaTlsPolicy.PublishedRims) g.rims()).byLaunch().get(hostB));
        // MRTD alone (shared by every release on that firmware) keys nothing, as an SEV-SNP digest or otherwise.
        assertTrue(((RaTlsPolicy.ByRelease) g.gpus())
                .byLaunch().keySet().stream().noneMatch(k -> k.equals(new RaTlsPolicy.SevSnpLaunch(filled(48, 0x71)))));
        // A second release of the same TD launch with another GPU count refuses the session.
        ReleaseTransparency.PublishedRelease again = new ReleaseTransparency.PublishedRelease(
                dev.cloister.ledger.entry.SignedRelease.sign(
                        ReleaseTransparencyTest.manifest(
                                        0x12,
                                        ReleaseTransparencyTest.NOW,
                                        ReleaseTransparencyTest.NOW.plusSeconds(60),
                                        0,
                                        false,
                                        List.of(H100))
                                .withTdx(java.util.Optional.of(runtime), platforms.subList(0, 1)),
                        ReleaseTransparencyTest.RELEASE_KEY),
                3,
                4);
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(tdx, again)));
        assertTrue(e.getMessage().contains("name 2 and 1 GPUs (TDX launch MRTD"), e.getMessage());
    }

    @Test
    void twoReleasesOfOneMeasurementWithDifferentGpuCountsRefuseTheSession() {
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> ReleaseTransparency.applyPublishedRims(
                        FROM_LEDGER, List.of(release(List.of(H100), 1), release(List.of(H100), 2))));
        assertTrue(e.getMessage().contains("name 1 and 2 GPUs"), e.getMessage());
    }

    @Test
    void noReleaseNamingRimsRefusesTheSession() {
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> ReleaseTransparency.applyPublishedRims(FROM_LEDGER, List.of(release(List.of()))));
        assertTrue(e.getMessage().contains("no published release names any"), e.getMessage());
    }

    @Test
    void otherRequirementsAreLeftAlone() throws Exception {
        RaTlsPolicy.RequireGpu policyRims =
                new RaTlsPolicy.RequireGpu(NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5));
        assertSame(policyRims, ReleaseTransparency.applyPublishedRims(policyRims, List.of(release(List.of()))));
        RaTlsPolicy.NoGpu none = new RaTlsPolicy.NoGpu();
        assertSame(none, ReleaseTransparency.applyPublishedRims(none, List.of()));
    }
}
