package dev.cloister.attest.measure;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The published launch description (a JSON object with exactly these keys):
 *
 * <pre>
 * {
 *   "ovmf_hash": "96 hex digits",            // launch digest after the OVMF file's own pages
 *   "ovmf_sections": [{"gpa": 8388608, "size": 36864, "section_type": 1}, ...],   // in table order
 *   "sev_hashes_table_gpa": 8400896,         // 0 without a kernel
 *   "sev_es_reset_eip": 8433668,
 *   "kernel_hash": "64 hex" | null,          // SHA-256 of the kernel; null: no direct boot (then all three null)
 *   "initrd_hash": "64 hex" | null,          // SHA-256 of the initrd (of nothing when there is none)
 *   "cmdline": "console=ttyS0 ..." | null,   // as appended (-append)
 *   "vcpus": 4,                              // 1..512
 *   "vcpu_type": "EPYC-v4" | null,           // QEMU -cpu model; null only for EC2/GCE
 *   "guest_features": "0x1"                  // SEV_FEATURES, hex
 * }
 * </pre>
 *
 * Section types are OVMF's numbers: 1 SNP_SEC_MEM, 2 SNP_SECRETS, 3 CPUID, 4 SVSM_CAA, 16 SNP_KERNEL_HASHES. An
 * unknown or missing key, a duplicate key, a value of the wrong form and trailing data are refused, naming the key.
 */
public final class LaunchDescriptionJson {

    public static final int MAX_BYTES = 256 * 1024;

    static final List<String> KEYS = List.of(
            "ovmf_hash",
            "ovmf_sections",
            "sev_hashes_table_gpa",
            "sev_es_reset_eip",
            "kernel_hash",
            "initrd_hash",
            "cmdline",
            "vcpus",
            "vcpu_type",
            "guest_features");
    static final Set<String> SECTION_KEYS = Set.of("gpa", "size", "section_type");

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(4)
                            .maxStringLength(MAX_BYTES)
                            .maxNumberLength(20)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private LaunchDescriptionJson() {}

    /**
     * Reads a launch description.
     *
     * @throws MeasurementException naming the key for anything but a well-formed description
     */
    public static LaunchDescription parse(byte[] json) throws MeasurementException {
        if (json.length > MAX_BYTES) {
            throw new MeasurementException("launch description: " + json.length + " bytes, more than " + MAX_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
            throw new MeasurementException("launch description: not valid JSON: " + firstLine(detail));
        }
        if (root == null || !root.isObject()) {
            throw new MeasurementException("launch description: must be one JSON object");
        }
        exactKeys(root, "", KEYS);
        byte[] ovmfHash = hex(root.get("ovmf_hash"), "ovmf_hash", 48);
        JsonNode list = root.get("ovmf_sections");
        if (!list.isArray()) {
            throw new MeasurementException("launch description: ovmf_sections must be an array");
        }
        if (list.size() > OvmfImage.MAX_SECTIONS) {
            throw new MeasurementException("launch description: ovmf_sections has " + list.size()
                    + " entries, more than " + OvmfImage.MAX_SECTIONS);
        }
        List<OvmfSection> sections = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            String name = "ovmf_sections[" + i + "]";
            if (!s.isObject()) {
                throw new MeasurementException("launch description: " + name + " must be an object");
            }
            exactKeys(s, name + ".", List.copyOf(SECTION_KEYS));
            sections.add(OvmfSection.of(
                    "launch description: " + name,
                    u32(s.get("gpa"), name + ".gpa"),
                    u32(s.get("size"), name + ".size"),
                    u32(s.get("section_type"), name + ".section_type")));
        }
        long hashesGpa = u32(root.get("sev_hashes_table_gpa"), "sev_hashes_table_gpa");
        long resetEip = u32(root.get("sev_es_reset_eip"), "sev_es_reset_eip");
        JsonNode k = root.get("kernel_hash");
        JsonNode i = root.get("initrd_hash");
        JsonNode c = root.get("cmdline");
        Optional<KernelHashes> kernel;
        if (k.isNull() && i.isNull() && c.isNull()) {
            kernel = Optional.empty();
        } else if (k.isNull() || i.isNull() || c.isNull()) {
            throw new MeasurementException("launch description: kernel_hash, initrd_hash and cmdline are all null "
                    + "(no direct boot) or all given; "
                    + (k.isNull() ? "kernel_hash" : i.isNull() ? "initrd_hash" : "cmdline") + " is null");
        } else {
            byte[] kh = hex(k, "kernel_hash", 32);
            byte[] ih = hex(i, "initrd_hash", 32);
            String cmdline = text(c, "cmdline");
            if (cmdline.length() > KernelHashes.MAX_CMDLINE || cmdline.indexOf('\0') >= 0) {
                throw new MeasurementException("launch description: cmdline is longer than " + KernelHashes.MAX_CMDLINE
                        + " characters or holds a NUL character");
            }
            kernel = Optional.of(new KernelHashes(Bytes.of(kh), Bytes.of(ih), cmdline));
        }
        JsonNode v = root.get("vcpus");
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new MeasurementException("launch description: vcpus must be an integer");
        }
        JsonNode t = root.get("vcpu_type");
        Optional<VcpuType> vcpuType;
        try {
            vcpuType = t.isNull() ? Optional.empty() : Optional.of(VcpuType.parse(text(t, "vcpu_type")));
        } catch (IllegalArgumentException e) {
            throw new MeasurementException("launch description: " + e.getMessage());
        }
        String features = text(root.get("guest_features"), "guest_features");
        if (!features.matches("0x[0-9a-fA-F]{1,16}")) {
            throw new MeasurementException("launch description: guest_features must be a hex string like \"0x1\"");
        }
        long guestFeatures = Long.parseUnsignedLong(features.substring(2), 16);
        try {
            return LaunchDescription.of(
                    ovmfHash, sections, hashesGpa, resetEip, kernel, v.intValue(), vcpuType, guestFeatures);
        } catch (MeasurementException e) {
            throw new MeasurementException("launch description: " + e.getMessage());
        }
    }

    /** The description as JSON, keys in the documented order. */
    public static String write(LaunchDescription d) {
        HexFormat hex = HexFormat.of();
        ObjectNode o = JSON.createObjectNode();
        o.put("ovmf_hash", hex.formatHex(d.ovmfHash()));
        ArrayNode sections = o.putArray("ovmf_sections");
        for (OvmfSection s : d.sections()) {
            sections.addObject()
                    .put("gpa", s.gpa())
                    .put("size", s.size())
                    .put("section_type", s.type().value());
        }
        o.put("sev_hashes_table_gpa", d.sevHashesTableGpa());
        o.put("sev_es_reset_eip", d.sevEsResetEip());
        if (d.kernel().isPresent()) {
            o.put("kernel_hash", d.kernel().get().kernel().hex());
            o.put("initrd_hash", d.kernel().get().initrd().hex());
            o.put("cmdline", d.kernel().get().cmdline());
        } else {
            o.putNull("kernel_hash");
            o.putNull("initrd_hash");
            o.putNull("cmdline");
        }
        o.put("vcpus", d.vcpus());
        if (d.vcpuType().isPresent()) {
            o.put("vcpu_type", d.vcpuType().get().qemuName());
        } else {
            o.putNull("vcpu_type");
        }
        o.put("guest_features", "0x" + Long.toHexString(d.guestFeatures()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void exactKeys(JsonNode o, String prefix, List<String> keys) throws MeasurementException {
        Set<String> seen = new LinkedHashSet<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!keys.contains(name)) {
                throw new MeasurementException("launch description: unknown key \"" + prefix + clip(name) + "\"");
            }
            seen.add(name);
        }
        for (String key : keys) {
            if (!seen.contains(key)) {
                throw new MeasurementException("launch description: missing key \"" + prefix + key + "\"");
            }
        }
    }

    private static byte[] hex(JsonNode n, String name, int bytes) throws MeasurementException {
        String s = text(n, name);
        if (s.length() != 2 * bytes || !s.matches("[0-9a-fA-F]*")) {
            throw new MeasurementException("launch description: " + name + " must be " + 2 * bytes + " hex digits");
        }
        return HexFormat.of().parseHex(s.toLowerCase(Locale.ROOT));
    }

    private static String text(JsonNode n, String name) throws MeasurementException {
        if (!n.isTextual()) {
            throw new MeasurementException("launch description: " + name + " must be a string");
        }
        return n.textValue();
    }

    private static long u32(JsonNode n, String name) throws MeasurementException {
        if (n == null
                || !n.isIntegralNumber()
                || !n.canConvertToLong()
                || n.longValue() < 0
                || n.longValue() > 0xffff_ffffL) {
            throw new MeasurementException("launch description: " + name + " must be an integer in [0, 2^32)");
        }
        return n.longValue();
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
