package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The launch description: every SEV-SNP vector recomputed from its published parts alone, and every malformed
 * description refused with the key named.
 */
class LaunchDescriptionJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static LaunchDescription amdSev(Optional<KernelHashes> kernel, int vcpus, long features) throws Exception {
        OvmfImage ovmf =
                OvmfImage.parse(Vectors.read(Vectors.file(SevSnpMeasureVectorsTest.DIR + "/ovmf_AmdSev_suffix.bin")));
        return LaunchDescription.ofImage(ovmf, kernel, vcpus, Optional.of(VcpuType.EPYC_V4), features);
    }

    @Test
    void everySnpVectorIsReproducedFromItsDescriptionAlone() throws Exception {
        int checked = 0;
        for (JsonNode v : SevSnpMeasureVectorsTest.vectors()) {
            if (!v.path("mode").asText().equals("SEV_SNP")
                    || !v.get("expected").textValue().matches("[0-9a-f]{96}")) {
                continue;
            }
            OvmfImage ovmf = OvmfImage.parse(
                    Vectors.read(Vectors.file(SevSnpMeasureVectorsTest.DIR + "/" + Vectors.str(v, "ovmf"))));
            Optional<VcpuType> type = v.get("vcpu_sig").isNull()
                    ? Optional.empty()
                    : Optional.of(VcpuType.parse(v.get("vcpu_sig").textValue()));
            LaunchDescription d = LaunchDescription.ofImage(
                    ovmf,
                    SevSnpMeasureVectorsTest.kernel(v),
                    v.get("vcpus").intValue(),
                    type,
                    v.get("guest_features").longValue());
            String json = LaunchDescriptionJson.write(d);
            LaunchDescription read = LaunchDescriptionJson.parse(json.getBytes(StandardCharsets.UTF_8));
            assertEquals(d, read);
            VmmType vmm = v.has("vmm_type") ? VmmType.parse(v.get("vmm_type").textValue()) : VmmType.QEMU;
            assertEquals(Vectors.str(v, "expected"), Vectors.hex(read.snpLaunchDigest(vmm)), Vectors.str(v, "test"));
            checked++;
        }
        assertEquals(16, checked, "the SEV-SNP digest vectors");
    }

    @Test
    void theDescriptionHasExactlyThePublishedKeys() throws Exception {
        JsonNode json = MAPPER.readTree(LaunchDescriptionJson.write(amdSev(Optional.empty(), 1, 1)));
        assertEquals(LaunchDescriptionJson.KEYS, iterate(json));
        assertTrue(json.get("ovmf_sections").size() > 0);
        assertEquals("0x1", json.get("guest_features").textValue());
    }

    private static java.util.List<String> iterate(JsonNode o) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static ObjectNode valid() throws Exception {
        KernelHashes k = new KernelHashes(
                dev.cloister.base.Bytes.of(new byte[32]), dev.cloister.base.Bytes.of(new byte[32]), "console=ttyS0");
        return (ObjectNode) MAPPER.readTree(LaunchDescriptionJson.write(amdSev(Optional.of(k), 2, 1)));
    }

    private static String refused(ObjectNode o) {
        return refused(o.toString());
    }

    private static String refused(String text) {
        return assertThrows(
                        MeasurementException.class,
                        () -> LaunchDescriptionJson.parse(text.getBytes(StandardCharsets.UTF_8)))
                .getMessage();
    }

    @Test
    void unknownMissingAndDuplicateKeysAreRefusedByName() throws Exception {
        ObjectNode extra = valid();
        extra.put("vmm", "qemu");
        assertTrue(refused(extra).contains("unknown key \"vmm\""), refused(extra));
        for (String key : LaunchDescriptionJson.KEYS) {
            ObjectNode missing = valid();
            missing.remove(key);
            assertTrue(refused(missing).contains("missing key \"" + key + "\""), refused(missing));
        }
        ObjectNode section = valid();
        ((ObjectNode) section.get("ovmf_sections").get(0)).put("attributes", 0);
        assertTrue(refused(section).contains("ovmf_sections[0].attributes"), refused(section));
        String text = valid().toString();
        String duplicated = text.replaceFirst("\\{", "{\"vcpus\":1,");
        assertTrue(
                refused(duplicated).contains("not valid JSON")
                        && refused(duplicated).contains("vcpus"),
                refused(duplicated));
        assertTrue(refused(text + " {}").contains("not valid JSON"));
        assertTrue(refused("[]").contains("one JSON object"));
        assertTrue(refused("{").contains("not valid JSON"));
    }

    @Test
    void malformedValuesAreRefusedByName() throws Exception {
        assertRefused(o -> o.put("vcpus", 0), "vcpus: 0 is outside [1, 512]");
        assertRefused(o -> o.put("vcpus", 1000), "vcpus: 1000 is outside [1, 512]");
        assertRefused(o -> o.put("vcpus", "4"), "vcpus must be an integer");
        assertRefused(o -> o.put("vcpus", 1.5), "vcpus must be an integer");
        assertRefused(o -> o.put("ovmf_hash", "00"), "ovmf_hash must be 96 hex digits");
        assertRefused(o -> o.put("ovmf_hash", "zz".repeat(48)), "ovmf_hash must be 96 hex digits");
        assertRefused(o -> o.put("kernel_hash", "ab".repeat(31)), "kernel_hash must be 64 hex digits");
        assertRefused(o -> o.putNull("initrd_hash"), "initrd_hash is null");
        assertRefused(o -> o.put("cmdline", 7), "cmdline must be a string");
        assertRefused(o -> o.put("cmdline", "a\u0000b"), "cmdline");
        assertRefused(o -> o.put("vcpu_type", "Pentium"), "vcpu_type: \"Pentium\"");
        assertRefused(o -> o.put("guest_features", 1), "guest_features must be a string");
        assertRefused(o -> o.put("guest_features", "1"), "guest_features must be a hex string");
        assertRefused(o -> o.put("guest_features", "0x20"), "guest_features: 0x20 lacks SNPActive");
        assertRefused(o -> o.put("sev_es_reset_eip", -1), "sev_es_reset_eip must be an integer in [0, 2^32)");
        assertRefused(o -> o.put("sev_es_reset_eip", 0), "sev_es_reset_eip: 0, but 2 vCPUs");
        assertRefused(o -> o.put("sev_hashes_table_gpa", 4294967296L), "sev_hashes_table_gpa must be an integer");
        assertRefused(o -> o.put("sev_hashes_table_gpa", 0), "sev_hashes_table_gpa: 0, but a kernel was given");
        assertRefused(o -> o.put("sev_hashes_table_gpa", 0x80fff), "does not fit in its page");
        assertRefused(
                o -> ((ObjectNode) o.get("ovmf_sections").get(0)).put("section_type", 9),
                "ovmf_sections[0].section_type: 9 is not");
        assertRefused(
                o -> ((ObjectNode) o.get("ovmf_sections").get(0)).put("gpa", 0x800001),
                "ovmf_sections[0].gpa: 0x800001 is not a 4 KiB aligned");
        assertRefused(o -> ((ObjectNode) o.get("ovmf_sections").get(0)).put("size", 100), "ovmf_sections[0].size");
        assertRefused(o -> o.put("ovmf_sections", "none"), "ovmf_sections must be an array");
        assertRefused(
                o -> {
                    var sections = o.putArray("ovmf_sections");
                    sections.addObject().put("gpa", 0x1000).put("size", 0x1000).put("section_type", 1);
                },
                "kernel_hash: a kernel was given but the OVMF SEV metadata has no SNP_KERNEL_HASHES section");
    }

    @Test
    void oversizeInputIsRefusedBeforeParsing() {
        byte[] big = new byte[LaunchDescriptionJson.MAX_BYTES + 1];
        assertTrue(assertThrows(MeasurementException.class, () -> LaunchDescriptionJson.parse(big))
                .getMessage()
                .contains("more than"));
    }

    private interface Edit {
        void apply(ObjectNode o);
    }

    private static void assertRefused(Edit edit, String phrase) throws Exception {
        ObjectNode o = valid();
        edit.apply(o);
        String message = refused(o);
        assertTrue(message.contains(phrase), () -> "expected \"" + phrase + "\" in: " + message);
        assertTrue(message.startsWith("launch description: "), message);
        assertTrue(!message.contains("\n"), "one line");
    }
}
