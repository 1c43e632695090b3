package dev.cloister.attest.nvgpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link NvidiaGpuPolicy.MatchOneModel} on the captured H100 report (driver 550.90.07, VBIOS 96.00.9f.00.01): the GPU
 * must match one model's driver RIM and one of that model's VBIOS RIMs. No published RIM matches the captured report, so
 * the RIMs here hold the report's own blocks (or one altered block) and are unsigned
 * ({@link NvidiaRim#unsignedForTests}); signature verification of RIMs is {@link NvidiaRimTest}'s.
 */
class NvidiaGpuModelRimsTest {

    static final String DRIVER = "550.90.07";
    static final String VBIOS = "96.00.9f.00.01";

    static Map<Integer, NvidiaRim.Golden> blocks;

    @BeforeAll
    static void readBlocks() throws Exception {
        NvidiaGpuClaims c = verify(NvidiaGpuPolicy.genuineNvidia());
        blocks = new HashMap<>();
        for (SpdmMeasurements.Block b : c.report().blocks()) {
            blocks.put(b.index() - 1, new NvidiaRim.Golden(b.index() - 1, true, List.of(b.value())));
        }
    }

    static NvidiaGpuClaims verify(NvidiaGpuPolicy policy) throws AttestationException {
        return new NvidiaGpuVerifier()
                .verify(
                        NvidiaGpuSamples.NOW,
                        NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                        NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                        policy);
    }

    /** A RIM for {@code version} holding the report's blocks. */
    static NvidiaRim matching(String version) {
        return NvidiaRim.unsignedForTests(version, blocks);
    }

    /** A RIM for {@code version} holding the report's blocks but block 2's golden value altered. */
    static NvidiaRim altered(String version) {
        Map<Integer, NvidiaRim.Golden> changed = new HashMap<>(blocks);
        NvidiaRim.Golden g = changed.get(1);
        byte[] v = g.alternatives().getFirst().toByteArray();
        v[0] ^= 1;
        changed.put(1, new NvidiaRim.Golden(1, true, List.of(Bytes.of(v))));
        return NvidiaRim.unsignedForTests(version, changed);
    }

    static NvidiaGpuPolicy models(NvidiaGpuPolicy.ModelRims... models) {
        return NvidiaGpuPolicy.genuineNvidia().withMeasurements(new NvidiaGpuPolicy.MatchOneModel(List.of(models)));
    }

    static String refused(NvidiaGpuPolicy policy) {
        return assertThrows(AttestationException.class, () -> verify(policy)).getMessage();
    }

    @Test
    void aGpuMatchingAnyOfItsModelsVbiosRimsIsAccepted() throws Exception {
        // A fleet of one model on two VBIOS versions: this GPU runs the second one.
        NvidiaGpuClaims c = verify(models(new NvidiaGpuPolicy.ModelRims(
                "HOPPER", matching(DRIVER), List.of(altered("96.00.5e.00.01"), matching(VBIOS)))));
        assertEquals(VBIOS, c.vbiosVersion());
        // Two VBIOS RIMs of the GPU's version, the first of which does not match: the second one does.
        verify(models(
                new NvidiaGpuPolicy.ModelRims("HOPPER", matching(DRIVER), List.of(altered(VBIOS), matching(VBIOS)))));
    }

    @Test
    void aGpuWhoseVbiosNoRimOfItsModelMatchesIsRefused() {
        String none = refused(
                models(new NvidiaGpuPolicy.ModelRims("HOPPER", matching(DRIVER), List.of(altered("96.00.5e.00.01")))));
        assertTrue(none.contains("HOPPER: no VBIOS RIM for VBIOS " + VBIOS), none);
        String wrong =
                refused(models(new NvidiaGpuPolicy.ModelRims("HOPPER", matching(DRIVER), List.of(altered(VBIOS)))));
        assertTrue(wrong.contains("GPU measurements do not match the RIM " + VBIOS), wrong);
    }

    @Test
    void aDriverRimThatDoesNotMatchIsRefusedWhateverTheVbios() {
        String version = refused(
                models(new NvidiaGpuPolicy.ModelRims("HOPPER", matching("535.86.10"), List.of(matching(VBIOS)))));
        assertTrue(
                version.contains("HOPPER: its driver RIM is for 535.86.10, the report has driver " + DRIVER), version);
        String measured =
                refused(models(new NvidiaGpuPolicy.ModelRims("HOPPER", altered(DRIVER), List.of(matching(VBIOS)))));
        assertTrue(measured.contains("do not match the RIM " + DRIVER), measured);
    }

    @Test
    void aDriverRimOfOneModelIsNeverPairedWithAVbiosRimOfAnother() {
        // HOPPER names the right driver but not this VBIOS; H200 names this VBIOS with another driver.
        String x = refused(models(
                new NvidiaGpuPolicy.ModelRims("HOPPER", matching(DRIVER), List.of(altered("96.00.5e.00.01"))),
                new NvidiaGpuPolicy.ModelRims("H200", matching("570.00.00"), List.of(matching(VBIOS)))));
        assertTrue(x.contains("no GPU model has a driver RIM and a VBIOS RIM that match this GPU"), x);
        assertTrue(x.contains("HOPPER: no VBIOS RIM"), x);
        assertTrue(x.contains("H200: its driver RIM is for 570.00.00"), x);
        // A model's RIMs are complete or refused when built.
        assertThrows(
                IllegalArgumentException.class,
                () -> new NvidiaGpuPolicy.ModelRims("HOPPER", matching(DRIVER), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new NvidiaGpuPolicy.MatchOneModel(List.of()));
    }

    @Test
    void theEnclaveGateAppliesOnlyTheRimsOfItsGpusVersions() throws Exception {
        // The enclave's --gpu-rims of a mixed fleet: the driver RIM and two VBIOS versions' RIMs.
        verify(NvidiaGpuPolicy.genuineNvidia()
                .withMeasurements(new NvidiaGpuPolicy.MatchDriverAndVbiosRims(
                        List.of(matching(DRIVER), altered("96.00.5e.00.01"), matching(VBIOS)))));
        // The RIM of this GPU's VBIOS must still match.
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> verify(NvidiaGpuPolicy.genuineNvidia()
                        .withMeasurements(new NvidiaGpuPolicy.MatchDriverAndVbiosRims(
                                List.of(matching(DRIVER), matching("96.00.5e.00.01"), altered(VBIOS))))));
        assertTrue(x.getMessage().contains("do not match the RIM " + VBIOS), x.getMessage());
    }
}
