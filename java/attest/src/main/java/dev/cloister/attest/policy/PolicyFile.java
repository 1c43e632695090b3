package dev.cloister.attest.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.attest.sevsnp.TrustedArk;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The JSON policy file of {@code cloister attest verify --policy FILE}: one object per platform, each narrowing the
 * "genuine evidence through a pinned vendor root" policy of that platform. Every field is optional; an absent field
 * keeps the genuine-only default, an unknown field or a value of the wrong form is refused (so a typo never turns a
 * check off). Parsed once, at the edge, into the typed policies.
 *
 * <pre>
 * {
 *   "sev-snp": {
 *     "roots": ["milan", "genoa", "turin"],          // AMD ARKs (pinned in ProductLine); default: all three
 *     "measurement": "hex" | ["hex", ...],           // 48 bytes each
 *     "host_data": ..., "report_data": ...,          // 32 / 64 bytes
 *     "minimum_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}   // + "fmc" for Turin
 *     "max_vmpl": 0..3, "smt": "allowed" | "forbidden"
 *   },
 *   "tdx": {
 *     "roots": ["&lt;SHA-256 hex of a root certificate&gt;", ...], // default: the Intel SGX Root CA
 *     "mrtd": ..., "rtmr0": ..., "rtmr1": ..., "rtmr2": ..., "rtmr3": ...,  // 48 bytes each
 *     "report_data": ...,                                          // 64 bytes
 *     "tcb_statuses": ["UpToDate", "SWHardeningNeeded", ...],    // requires PCS collateral; never "Revoked"
 *     "min_tcb_evaluation_data_number": 17,                         // optional, with tcb_statuses
 *     "td_attributes": {"require_sept_ve_disable": true,           // defaults: true, false, false
 *                       "allow_migratable": false, "allow_host_profiling": false},
 *     "xfam": ...,                                                 // 8 bytes
 *     "mrconfigid": ..., "mrowner": ..., "mrownerconfig": ...      // 48 bytes each
 *   },
 *   "nvidia-gpu": { "nonce": "hex" | ["hex", ...] }               // 32 bytes
 * }
 * </pre>
 *
 * @param sevSnp the SEV-SNP policy ({@link SevSnpPolicy#genuineAmd()} narrowed)
 * @param tdx the TDX policy ({@link TdxPolicy#genuineIntel()} narrowed)
 * @param nvidiaGpu the GPU policy ({@link NvidiaGpuPolicy#genuineNvidia()} narrowed; RIMs are added by the caller)
 */
public record PolicyFile(SevSnpPolicy sevSnp, TdxPolicy tdx, NvidiaGpuPolicy nvidiaGpu) {

    /** A policy file is small; anything larger is refused before parsing. */
    public static final int MAX_BYTES = 256 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(8).build())
            .build());

    public PolicyFile {
        Objects.requireNonNull(sevSnp, "sevSnp");
        Objects.requireNonNull(tdx, "tdx");
        Objects.requireNonNull(nvidiaGpu, "nvidiaGpu");
    }

    /** The genuine-only policies (what {@code cloister attest verify} uses without {@code --policy}). */
    public static PolicyFile genuine() {
        return new PolicyFile(SevSnpPolicy.genuineAmd(), TdxPolicy.genuineIntel(), NvidiaGpuPolicy.genuineNvidia());
    }

    /**
     * Parses a policy file.
     *
     * @throws IllegalArgumentException with the offending field, for anything but a well-formed policy
     */
    public static PolicyFile parse(byte[] json) {
        if (json.length > MAX_BYTES) {
            throw new IllegalArgumentException("policy: " + json.length + " bytes is larger than " + MAX_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("policy: not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("policy: the file must hold one JSON object");
        }
        only(root, "", Set.of("sev-snp", "tdx", "nvidia-gpu"));
        return new PolicyFile(
                sevSnp(object(root, "sev-snp")), tdx(object(root, "tdx")), nvidiaGpu(object(root, "nvidia-gpu")));
    }

    private static SevSnpPolicy sevSnp(JsonNode o) {
        SevSnpPolicy p = SevSnpPolicy.genuineAmd();
        if (o == null) {
            return p;
        }
        only(
                o,
                "sev-snp.",
                Set.of("roots", "measurement", "host_data", "report_data", "minimum_tcb", "max_vmpl", "smt"));
        if (o.has("roots")) {
            List<TrustedArk> roots = new ArrayList<>();
            for (String name : strings(o, "sev-snp.roots")) {
                ProductLine product = switch (name.toLowerCase(Locale.ROOT)) {
                    case "milan" -> ProductLine.MILAN;
                    case "genoa" -> ProductLine.GENOA;
                    case "turin" -> ProductLine.TURIN;
                    default ->
                        throw new IllegalArgumentException(
                                "policy: sev-snp.roots: unknown product line \"" + name + "\" (milan, genoa, turin)");
                };
                roots.add(TrustedArk.amd(product));
            }
            p = p.withTrustedRoots(roots);
        }
        if (o.has("measurement")) {
            p = p.withMeasurement(digests(o, "sev-snp.", "measurement", 48));
        }
        if (o.has("host_data")) {
            p = p.withHostData(digests(o, "sev-snp.", "host_data", 32));
        }
        if (o.has("report_data")) {
            p = p.withReportData(digests(o, "sev-snp.", "report_data", 64));
        }
        if (o.has("max_vmpl")) {
            p = p.withMaximumVmpl(integer(o.get("max_vmpl"), "sev-snp.max_vmpl", 3));
        }
        if (o.has("smt")) {
            p = p.withSmt(
                    switch (text(o.get("smt"), "sev-snp.smt")) {
                        case "allowed" -> SevSnpPolicy.Smt.ALLOWED;
                        case "forbidden" -> SevSnpPolicy.Smt.FORBIDDEN;
                        default ->
                            throw new IllegalArgumentException(
                                    "policy: sev-snp.smt must be \"allowed\" or \"forbidden\"");
                    });
        }
        if (o.has("minimum_tcb")) {
            JsonNode t = o.get("minimum_tcb");
            if (!t.isObject()) {
                throw new IllegalArgumentException("policy: sev-snp.minimum_tcb must be an object");
            }
            String w = "sev-snp.minimum_tcb.";
            TcbVersion tcb;
            if (t.has("fmc")) {
                only(t, w, Set.of("fmc", "bootloader", "tee", "snp", "microcode"));
                tcb = TcbVersion.turin(
                        integer(t.get("fmc"), w + "fmc", 255),
                        svn(t, w, "bootloader"),
                        svn(t, w, "tee"),
                        svn(t, w, "snp"),
                        svn(t, w, "microcode"));
            } else {
                only(t, w, Set.of("bootloader", "tee", "snp", "microcode"));
                tcb = TcbVersion.milanGenoa(
                        svn(t, w, "bootloader"), svn(t, w, "tee"), svn(t, w, "snp"), svn(t, w, "microcode"));
            }
            p = p.withMinimumTcb(new ReferenceValue.MinimumTcb(tcb));
        }
        return p;
    }

    private static TdxPolicy tdx(JsonNode o) {
        TdxPolicy p = TdxPolicy.genuineIntel();
        if (o == null) {
            return p;
        }
        only(
                o,
                "tdx.",
                Set.of(
                        "roots",
                        "mrtd",
                        "rtmr0",
                        "rtmr1",
                        "rtmr2",
                        "rtmr3",
                        "report_data",
                        "tcb_statuses",
                        "min_tcb_evaluation_data_number",
                        "td_attributes",
                        "xfam",
                        "mrconfigid",
                        "mrowner",
                        "mrownerconfig"));
        if (o.has("td_attributes")) {
            JsonNode a = o.get("td_attributes");
            if (!a.isObject()) throw new IllegalArgumentException("policy: tdx.td_attributes must be an object");
            only(
                    a,
                    "tdx.td_attributes.",
                    Set.of("require_sept_ve_disable", "allow_migratable", "allow_host_profiling"));
            TdxPolicy.TdAttributes hardened = TdxPolicy.TdAttributes.hardened();
            p = p.withTdAttributes(new TdxPolicy.TdAttributes(
                    flag(a, "require_sept_ve_disable", hardened.requireSeptVeDisable()),
                    flag(a, "allow_migratable", hardened.allowMigratable()),
                    flag(a, "allow_host_profiling", hardened.allowHostProfiling())));
        }
        if (o.has("xfam")) {
            // The quote's 8 bytes (little-endian), as the claims show them: XFAM must be exactly this.
            if (!o.get("xfam").isTextual()) {
                throw new IllegalArgumentException("policy: tdx.xfam must be one hex string (the XFAM expected)");
            }
            byte[] x = hex(o.get("xfam").textValue(), "tdx.xfam", 8);
            long value = 0;
            for (int i = 7; i >= 0; i--) value = value << 8 | (x[i] & 0xff);
            p = p.withXfam(new TdxPolicy.XfamEquals(value));
        }
        if (o.has("mrconfigid") || o.has("mrowner") || o.has("mrownerconfig")) {
            p = p.withOwnerValues(
                    o.has("mrconfigid") ? digests(o, "tdx.", "mrconfigid", 48) : p.mrConfigId(),
                    o.has("mrowner") ? digests(o, "tdx.", "mrowner", 48) : p.mrOwner(),
                    o.has("mrownerconfig") ? digests(o, "tdx.", "mrownerconfig", 48) : p.mrOwnerConfig());
        }
        if (o.has("roots")) {
            List<String> roots = new ArrayList<>();
            for (String r : strings(o, "tdx.roots")) {
                hex(r, "tdx.roots", 32);
                roots.add(r.toLowerCase(Locale.ROOT));
            }
            p = p.withTrustedRoots(roots);
        }
        if (o.has("mrtd")) {
            p = p.withMrTd(digests(o, "tdx.", "mrtd", 48));
        }
        List<ReferenceValue> rtmrs = new ArrayList<>(p.rtmrs());
        for (int i = 0; i < 4; i++) {
            if (o.has("rtmr" + i)) {
                rtmrs.set(i, digests(o, "tdx.", "rtmr" + i, 48));
            }
        }
        p = p.withRtmrs(rtmrs);
        if (o.has("report_data")) {
            p = p.withReportData(digests(o, "tdx.", "report_data", 64));
        }
        if (o.has("tcb_statuses")) {
            Set<TcbStatus> accepted = EnumSet.noneOf(TcbStatus.class);
            for (String s : strings(o, "tdx.tcb_statuses")) {
                try {
                    accepted.add(TcbStatus.fromPcsName(s));
                } catch (dev.cloister.attest.AttestationException e) {
                    throw new IllegalArgumentException("policy: tdx.tcb_statuses: " + e.getMessage(), e);
                }
            }
            int edn = o.has("min_tcb_evaluation_data_number")
                    ? integer(
                            o.get("min_tcb_evaluation_data_number"),
                            "tdx.min_tcb_evaluation_data_number",
                            Integer.MAX_VALUE)
                    : 0;
            p = p.withTcb(new TdxPolicy.TcbStatusIn(accepted, edn));
        } else if (o.has("min_tcb_evaluation_data_number")) {
            throw new IllegalArgumentException("policy: tdx.min_tcb_evaluation_data_number needs tdx.tcb_statuses");
        }
        return p;
    }

    private static boolean flag(JsonNode o, String name, boolean otherwise) {
        if (!o.has(name)) return otherwise;
        JsonNode v = o.get(name);
        if (!v.isBoolean())
            throw new IllegalArgumentException("policy: tdx.td_attributes." + name + " must be true or false");
        return v.booleanValue();
    }

    private static NvidiaGpuPolicy nvidiaGpu(JsonNode o) {
        NvidiaGpuPolicy p = NvidiaGpuPolicy.genuineNvidia();
        if (o == null) {
            return p;
        }
        only(o, "nvidia-gpu.", Set.of("nonce"));
        if (o.has("nonce")) {
            p = p.withNonce(digests(o, "nvidia-gpu.", "nonce", 32));
        }
        return p;
    }

    private static JsonNode object(JsonNode root, String name) {
        JsonNode o = root.get(name);
        if (o != null && !o.isObject()) {
            throw new IllegalArgumentException("policy: \"" + name + "\" must be an object");
        }
        return o;
    }

    private static void only(JsonNode o, String prefix, Set<String> known) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new IllegalArgumentException("policy: unknown field \"" + prefix + f + "\"");
            }
        }
    }

    private static ReferenceValue digests(JsonNode o, String prefix, String field, int length) {
        JsonNode v = o.get(field);
        List<byte[]> values = new ArrayList<>();
        if (v.isTextual()) {
            values.add(hex(v.textValue(), prefix + field, length));
        } else if (v.isArray() && !v.isEmpty()) {
            for (JsonNode e : v) {
                values.add(hex(text(e, prefix + field), prefix + field, length));
            }
        } else {
            throw new IllegalArgumentException(
                    "policy: " + prefix + field + " must be a hex string or a non-empty " + "array of them");
        }
        return new ReferenceValue.Digests(values.stream().map(Bytes::of).toList());
    }

    private static byte[] hex(String s, String where, int length) {
        byte[] b;
        try {
            b = Hex.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy: " + where + " is not hex (" + e.getMessage() + ")", e);
        }
        if (b.length != length) {
            throw new IllegalArgumentException("policy: " + where + " must be " + length + " bytes, got " + b.length);
        }
        return b;
    }

    private static List<String> strings(JsonNode o, String where) {
        String field = where.substring(where.lastIndexOf('.') + 1);
        JsonNode v = o.get(field);
        if (!v.isArray() || v.isEmpty()) {
            throw new IllegalArgumentException("policy: " + where + " must be a non-empty array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            out.add(text(e, where));
        }
        return out;
    }

    private static String text(JsonNode v, String where) {
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("policy: " + where + " must be a string");
        }
        return v.textValue();
    }

    private static int svn(JsonNode o, String prefix, String field) {
        if (!o.has(field)) {
            throw new IllegalArgumentException("policy: " + prefix + field + " is missing");
        }
        return integer(o.get(field), prefix + field, 255);
    }

    private static int integer(JsonNode v, String where, int max) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > max) {
            throw new IllegalArgumentException("policy: " + where + " must be an integer 0.." + max);
        }
        return v.intValue();
    }
}
