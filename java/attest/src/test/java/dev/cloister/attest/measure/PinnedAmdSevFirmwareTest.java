package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.testing.Vectors;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The SEV-SNP firmware cvm-boot measures against (edk2's AmdSevX64 built by {@code cvm-boot/ovmf-amdsev.sh} from
 * Debian's edk2 2025.02-8+deb13u1), described by its published facts alone: the firmware is a third-party binary and
 * is not in the repository. The launch descriptions were written by {@code cloister cvm measure --json} from the
 * firmware file; the expected digests and {@code ovmf_hash} were computed from the same file by sev-snp-measure, an
 * independent implementation, so a wrong section table, reset vector or hashes-table address read from the firmware
 * fails here.
 */
class PinnedAmdSevFirmwareTest {

    private static final String FIXTURE = "ovmf-amdsev-debian-2025.02.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode fixture() throws Exception {
        try (InputStream in = PinnedAmdSevFirmwareTest.class.getResourceAsStream(FIXTURE)) {
            assertNotNull(in, FIXTURE);
            return MAPPER.readTree(in);
        }
    }

    private static LaunchDescription read(JsonNode description) throws MeasurementException {
        return LaunchDescriptionJson.parse(description.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyShapeGivesSevSnpMeasuresDigest() throws Exception {
        JsonNode f = fixture();
        int checked = 0;
        for (JsonNode shape : f.get("shapes")) {
            JsonNode d = shape.get("launch_description");
            assertEquals(Vectors.str(f, "ovmf_hash"), d.get("ovmf_hash").textValue(), "ovmf_hash");
            assertEquals(
                    Vectors.str(shape, "sev_snp_launch_digest"),
                    Vectors.hex(read(d).snpLaunchDigest(VmmType.QEMU)),
                    d.get("vcpus") + " vCPUs, guest features " + d.get("guest_features"));
            checked++;
        }
        assertEquals(3, checked);
    }

    /** The fixture describes the firmware cvm-boot pins: its SHA-256 is the lock's, so the two cannot drift apart. */
    @Test
    void theFixtureIsOfTheFirmwareThatCvmBootPins() throws Exception {
        String pinned = Files.readAllLines(Path.of("../../cvm-boot/packages.lock"), StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(l -> l.startsWith("firmware OVMF.amdsev.fd "))
                .map(l -> l.split("\\s+")[2])
                .reduce((a, b) -> {
                    throw new AssertionError("packages.lock pins the firmware twice");
                })
                .orElseThrow(() -> new AssertionError("packages.lock pins no OVMF.amdsev.fd"));
        assertEquals(pinned, Vectors.str(fixture(), "firmware_sha256"));
    }

    /** What makes this firmware usable with a directly booted kernel: the SNP kernel-hashes page, and the table in it. */
    @Test
    void theFirmwareHasTheKernelHashesPageAndTheTableIsInIt() throws Exception {
        JsonNode d = fixture().get("shapes").get(0).get("launch_description");
        long table = d.get("sev_hashes_table_gpa").longValue();
        boolean inPage = false;
        for (JsonNode s : d.get("ovmf_sections")) {
            if (s.get("section_type").intValue() == 16) {
                long gpa = s.get("gpa").longValue();
                inPage = table >= gpa && table < gpa + s.get("size").longValue();
            }
        }
        assertTrue(inPage, "SNP_KERNEL_HASHES section holding the hashes table at " + table);
    }

    /** The kernel, initrd and command line are measured: each changes the digest. */
    @Test
    void eachKernelInputChangesTheDigest() throws Exception {
        JsonNode shape = fixture().get("shapes").get(0);
        String expected = Vectors.str(shape, "sev_snp_launch_digest");
        for (String key : new String[] {"kernel_hash", "initrd_hash", "cmdline"}) {
            ObjectNode d = shape.get("launch_description").deepCopy();
            String v = d.get(key).textValue();
            d.put(key, key.equals("cmdline") ? v + " " : (v.charAt(0) == '0' ? "1" : "0") + v.substring(1));
            assertNotEquals(expected, Vectors.hex(read(d).snpLaunchDigest(VmmType.QEMU)), key);
        }
    }
}
