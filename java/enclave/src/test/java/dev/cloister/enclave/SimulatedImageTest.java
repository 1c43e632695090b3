package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated platform reports the launch digest of the image it stands for, or refuses to start with a reason. */
class SimulatedImageTest {

    @TempDir
    Path dir;

    private static final String DIGEST = "ab".repeat(48);

    @Test
    void reportsTheFirstMeasuredShapesDigest() throws Exception {
        Files.writeString(dir.resolve("measurement.json"), """
                {"measurements": [
                  {"vcpus": 1, "sev_snp_launch_digest": null, "unavailable": "no kernel hashes page"},
                  {"vcpus": 4, "sev_snp_launch_digest": "%s"}]}
                """.formatted(DIGEST));
        assertEquals(DIGEST, HexFormat.of().formatHex(SimulatedImage.launchDigest(dir)));
    }

    @Test
    void refusesAnImageWithoutADigestWithItsReason() throws Exception {
        var missing = assertThrows(IllegalArgumentException.class, () -> SimulatedImage.launchDigest(dir));
        assertTrue(missing.getMessage().contains("has no measurement.json"), missing.getMessage());
        Files.writeString(dir.resolve("measurement.json"), """
                {"measurements": [{"vcpus": 1, "sev_snp_launch_digest": null,
                  "unavailable": "OVMF: a kernel was given but the OVMF SEV metadata has no SNP_KERNEL_HASHES section"}]}
                """);
        var none = assertThrows(IllegalArgumentException.class, () -> SimulatedImage.launchDigest(dir));
        assertTrue(
                none.getMessage().contains("no SEV-SNP launch digest for any shape (OVMF: a kernel"),
                none.getMessage());
        Files.writeString(dir.resolve("measurement.json"), "{\"measurements\": [{\"sev_snp_launch_digest\": \"zz\"}]}");
        var bad = assertThrows(IllegalArgumentException.class, () -> SimulatedImage.launchDigest(dir));
        assertTrue(bad.getMessage().contains("not 96 hex"), bad.getMessage());
        Files.writeString(dir.resolve("measurement.json"), "not json");
        var json = assertThrows(IllegalArgumentException.class, () -> SimulatedImage.launchDigest(dir));
        assertTrue(json.getMessage().contains("is not the JSON"), json.getMessage());
    }
}
