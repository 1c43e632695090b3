package dev.cloister.attest.nvgpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The signed RIMs of testdata/vectors/nvidia-gpu. Their signer leaves expired in 2025 (and the L3 CA on
 * 2026-11-11), so they are verified at {@link #RIM_TIME}, inside every RIM chain's validity. No RIM here matches the
 * real report (LAYOUT.md): the VBIOS RIM path is tested by verifying every RIM and by refusing the non-matching ones.
 */
class NvidiaRimTest {

    static final Instant RIM_TIME = Instant.parse("2024-06-01T00:00:00Z");

    private static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    static List<Path> allRims() throws IOException {
        Path dir = NvidiaGpuSamples.dir();
        try (Stream<Path> prod = Files.list(dir.resolve("rims"))) {
            List<Path> l = new java.util.ArrayList<>(
                    prod.filter(p -> p.toString().endsWith(".swidtag")).sorted().toList());
            l.add(dir.resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag"));
            l.add(dir.resolve("Driver_RIM_test_no_gpu.swidtag"));
            return l;
        }
    }

    @Test
    void everyRimVerifiesToThePinnedRoot() throws Exception {
        List<Path> rims = allRims();
        assertEquals(26, rims.size());
        for (Path p : rims) {
            NvidiaRim rim = NvidiaRim.verify(RIM_TIME, Vectors.read(p));
            assertTrue(rim.signerSubject().contains("HCC RIM L4 Signer"), p + ": " + rim.signerSubject());
            assertFalse(rim.measurements().isEmpty(), p.toString());
        }
        NvidiaRim vbios = NvidiaRim.verify(
                RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag")));
        assertEquals("96.00.5E.00.01", vbios.colloquialVersion());
        assertEquals(0, vbios.measurements().get(0).index());
    }

    @Test
    void rimsAreRefusedOutsideTheirSignersValidity() {
        refused(
                "is not valid at",
                () -> NvidiaRim.verify(
                        NvidiaGpuSamples.NOW,
                        Vectors.read(NvidiaGpuSamples.dir().resolve("Driver_RIM_test_no_gpu.swidtag"))));
    }

    @Test
    void theNonMatchingVbiosAndDriverRimsAreRefusedForTheRealReport() throws Exception {
        NvidiaGpuClaims c = new NvidiaGpuVerifier()
                .verify(
                        NvidiaGpuSamples.NOW,
                        NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                        NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                        NvidiaGpuPolicy.genuineNvidia());
        for (String f : List.of("1010_0200_882_96005E0001_test_no_gpu.swidtag", "Driver_RIM_test_no_gpu.swidtag")) {
            NvidiaRim rim = NvidiaRim.verify(
                    RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve(f)));
            refused("GPU measurements do not match the RIM", () -> rim.requireMatch(c.report()));
        }
    }

    @Test
    void aPolicyWithTheNonMatchingRimsRefusesTheRealReport() throws Exception {
        NvidiaRim vbios = NvidiaRim.verify(
                RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag")));
        NvidiaGpuPolicy p =
                NvidiaGpuPolicy.genuineNvidia().withMeasurements(new NvidiaGpuPolicy.MatchRims(List.of(vbios)));
        refused(
                "the RIM is for version 96.00.5E.00.01, the report has driver 550.90.07 and VBIOS 96.00.9f.00.01",
                () -> new NvidiaGpuVerifier()
                        .verify(
                                NvidiaGpuSamples.NOW,
                                NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                                NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                                p));
    }

    @Test
    void aClientPolicyNeedsRimsForBothTheDriverAndTheVbiosTheReportNames() throws Exception {
        NvidiaRim vbios = NvidiaRim.verify(
                RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag")));
        NvidiaRim driver = NvidiaRim.verify(
                RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve("Driver_RIM_test_no_gpu.swidtag")));
        NvidiaGpuPolicy p = NvidiaGpuPolicy.genuineNvidia()
                .withMeasurements(new NvidiaGpuPolicy.MatchDriverAndVbiosRims(List.of(vbios, driver)));
        refused(
                "do not cover both the driver 550.90.07 and the VBIOS 96.00.9f.00.01",
                () -> new NvidiaGpuVerifier()
                        .verify(
                                NvidiaGpuSamples.NOW,
                                NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                                NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                                p));
        assertThrows(IllegalArgumentException.class, () -> new NvidiaGpuPolicy.MatchDriverAndVbiosRims(List.of(vbios)));
    }

    @Test
    void aRimMadeFromTheReportsOwnValuesMatchesInStructure() throws Exception {
        // The comparison logic on its own: golden = the report's own blocks (unsigned, so built in memory).
        NvidiaGpuClaims c = new NvidiaGpuVerifier()
                .verify(
                        NvidiaGpuSamples.NOW,
                        NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                        NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                        NvidiaGpuPolicy.genuineNvidia());
        int matchingBlocks = 0;
        NvidiaRim vbios = NvidiaRim.verify(
                RIM_TIME, Vectors.read(NvidiaGpuSamples.dir().resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag")));
        for (NvidiaRim.Golden g : vbios.measurements().values()) {
            byte[] actual = c.report().blocks().get(g.index()).value().toByteArray();
            if (g.active() && g.alternatives().stream().anyMatch(h -> h.contentEquals(actual))) {
                matchingBlocks++;
            }
        }
        // Some FSP measurements coincide (index 4, 5), most do not: the mismatch is real, not an indexing error.
        assertTrue(matchingBlocks >= 2, "matching blocks: " + matchingBlocks);
    }

    @Test
    void tamperedRimsAreRefused() throws Exception {
        String xml = new String(
                Vectors.read(NvidiaGpuSamples.dir().resolve("1010_0200_882_96005E0001_test_no_gpu.swidtag")),
                StandardCharsets.UTF_8);
        String golden =
                "0b42836f56a7162e63cb7a9f3ee56b038325a9121442fa2ef34182f462816801448fa8f6798d13144a1b38be97181058";
        assertTrue(xml.contains(golden));
        refused(
                "does not verify",
                () -> NvidiaRim.verify(
                        RIM_TIME, xml.replace(golden, "1" + golden.substring(1)).getBytes(StandardCharsets.UTF_8)));
        refused(
                "DOCTYPE",
                () -> NvidiaRim.verify(
                        RIM_TIME,
                        ("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"x\">]>"
                                        + xml.substring(xml.indexOf("<SoftwareIdentity")))
                                .getBytes(StandardCharsets.UTF_8)));
        refused("not well-formed", () -> NvidiaRim.verify(RIM_TIME, "<a>".getBytes(StandardCharsets.UTF_8)));
        refused("larger than", () -> NvidiaRim.verify(RIM_TIME, new byte[NvidiaRim.MAX_RIM_BYTES + 1]));
    }
}
