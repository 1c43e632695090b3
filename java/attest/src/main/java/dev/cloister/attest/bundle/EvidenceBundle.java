package dev.cloister.attest.bundle;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a client needs to appraise one enclave, in one canonical encoding: a RATS conceptual message wrapper
 * collection (draft-ietf-rats-msg-wrap, CBOR form) whose type is {@value #COLLECTION_TYPE} and whose entries are CMW
 * records {@code [media-type, bytes]}:
 *
 * <pre>
 * { "__cmwc_t": "tag:cloister.dev,2026:evidence-bundle/v1",
 *   "cpu":              [ "application/vnd.cloister.sev-snp-report", report ]
 *                     / [ "application/vnd.cloister.tdx-quote", DCAP quote (v4/v5, PCK chain inside) ],
 *   "cpu-endorsements": [ "application/pem-certificate-chain", VCEK ‖ ASK ‖ ARK (PEM) ]      ; with an SEV-SNP report
 *                     / [ "application/vnd.cloister.tdx-collateral", CBOR array of 6 bstr: Intel's PCS collateral,
 *                         TdxCollateral.parts() order ]                                         ; with a TDX quote
 *   ? "gpu":              [ "application/vnd.cloister.nvidia-spdm-report", request ‖ response ]
 *                       / [ "application/vnd.cloister.nvidia-cc-off", reason (ASCII) ],
 *   ? "gpu-endorsements": [ "application/pem-certificate-chain", chain (PEM, leaf first) ],
 *   ? "gpu-rims":         [ "application/vnd.cloister.nvidia-rims", CBOR array of bstr: signed RIM documents ],
 *   ? "cpu-crl":          [ "application/pkix-crl", AMD's CRL for the product line (DER, KDS /vcek/v1/PRODUCT/crl) ],
 *   ? "gpu-ocsp":         [ "application/vnd.cloister.ocsp-responses", CBOR array of bstr: one OCSP response
 *                           (RFC 6960, DER) per certificate of the GPU chain below its root, leaf first ],
 *   ? "ledger-proofs":    [ "application/vnd.cloister.ledger-proofs", bytes ],
 *   ; the second and later GPUs of a multi-GPU enclave (i = 1 .. MAX_GPUS - 1, contiguous from 1):
 *   * "gpu/i":              [ "application/vnd.cloister.nvidia-spdm-report", request ‖ response ],
 *   * "gpu-endorsements/i": [ "application/pem-certificate-chain", that GPU's chain (PEM, leaf first) ],
 *   * "gpu-ocsp/i":         [ "application/vnd.cloister.ocsp-responses", OCSP responses for that GPU's chain ] }
 * </pre>
 *
 * <p>A multi-GPU enclave carries one report per GPU, each requested with that GPU's own nonce
 * ({@code GpuFreshness.nonce(i)}) and signed under that GPU's own certificate chain; the unnumbered labels are GPU 0,
 * so a one-GPU bundle is encoded as before and a decoder that does not know the numbered labels refuses a multi-GPU
 * bundle rather than appraising only its first GPU. {@code gpu-rims} serves all GPUs (one driver; each GPU's VBIOS RIM
 * among them). A multi-GPU bundle's GPU entries are all {@value #NVIDIA_SPDM_REPORT}: an enclave with confidential
 * computing off carries one {@value #NVIDIA_CC_OFF} entry whatever its GPU count.
 *
 * The {@code cpu-crl} and {@code gpu-ocsp} entries are revocation status the enclave staples (it fetches them; the
 * client cannot reach AMD or NVIDIA without revealing itself): a verifier whose policy requires stapled status refuses
 * a bundle without them.
 *
 * The {@value #NVIDIA_CC_OFF} form marks an enclave started with {@code --insecure-gpu-cc-off} (development only):
 * its GPU runs without confidential computing, it has no report, and every verifier refuses it.
 *
 * <p>Encoded deterministically (RFC 8949 §4.2.1), so one bundle has one encoding; the decoder refuses any other
 * encoding, unknown labels, unknown media types, and sizes above the limits. A new format gets a new collection type.
 */
public record EvidenceBundle(
        Entry cpu,
        Entry cpuEndorsements,
        Optional<Entry> gpu,
        Optional<Entry> gpuEndorsements,
        Optional<Entry> ledgerProofs,
        Optional<Entry> gpuRims,
        Optional<Entry> cpuCrl,
        Optional<Entry> gpuOcsp,
        List<GpuEntries> additionalGpus) {

    public static final String COLLECTION_TYPE = "tag:cloister.dev,2026:evidence-bundle/v1";
    public static final String SEV_SNP_REPORT = "application/vnd.cloister.sev-snp-report";
    public static final String NVIDIA_SPDM_REPORT = "application/vnd.cloister.nvidia-spdm-report";
    /** The GPU entry of an enclave whose GPU runs with confidential computing off: clients refuse it. */
    public static final String NVIDIA_CC_OFF = "application/vnd.cloister.nvidia-cc-off";

    public static final String PEM_CHAIN = "application/pem-certificate-chain";
    /**
     * The signed NVIDIA RIMs (SWID tags) the enclave staples next to its GPU evidence, so that a client can match the
     * measurements against RIMs whose digests a logged release names.
     */
    public static final String NVIDIA_RIMS = "application/vnd.cloister.nvidia-rims";
    /** At most this many RIM documents in {@value #NVIDIA_RIMS}. */
    public static final int MAX_RIMS = 4;

    /** AMD's CRL for the CPU's product line, DER (RFC 2585 media type). */
    public static final String PKIX_CRL = "application/pkix-crl";
    /** OCSP responses for the GPU certificate chain: a CBOR array of byte strings, leaf first. */
    public static final String OCSP_RESPONSES = "application/vnd.cloister.ocsp-responses";
    /** At most this many OCSP responses in {@value #OCSP_RESPONSES}. */
    public static final int MAX_OCSP_RESPONSES = 8;

    public static final String LEDGER_PROOFS = "application/vnd.cloister.ledger-proofs";
    /**
     * The most GPUs one bundle carries (an 8-GPU board): with their chains and OCSP responses (about 20 KiB each)
     * and the RIMs they stay under {@link #MAX_ENCODED}.
     */
    public static final int MAX_GPUS = 8;

    public static final int MAX_ENCODED = 256 * 1024;
    public static final int MAX_VALUE = 64 * 1024;
    /** A TDX DCAP quote as configfs-tsm's {@code outblob} returns it (its PCK chain is inside it). */
    public static final String TDX_QUOTE = "application/vnd.cloister.tdx-quote";
    /**
     * Intel's PCS collateral for a TDX quote, stapled by the enclave: a CBOR array of {@value #TDX_COLLATERAL_PARTS}
     * byte strings (TCB info, its issuer chain, QE identity, its issuer chain, PCK CRL, Root CA CRL).
     */
    public static final String TDX_COLLATERAL = "application/vnd.cloister.tdx-collateral";

    public static final int TDX_COLLATERAL_PARTS = 6;
    static final List<String> CPU_TYPES = List.of(SEV_SNP_REPORT, TDX_QUOTE);

    /** One CMW record: a media type and the bytes. */
    public record Entry(String mediaType, Bytes value) {
        public Entry {
            Objects.requireNonNull(mediaType, "mediaType");
            Objects.requireNonNull(value, "value");
            if (value.length() > MAX_VALUE) {
                throw new IllegalArgumentException("bundle entry larger than " + MAX_VALUE + " bytes");
            }
        }
    }

    /**
     * The evidence of one GPU of a multi-GPU enclave: its report, its certificate chain and, when stapled, the OCSP
     * responses for that chain.
     */
    public record GpuEntries(Entry report, Entry endorsements, Optional<Entry> ocsp) {
        public GpuEntries {
            if (!NVIDIA_CC_OFF.equals(Objects.requireNonNull(report, "report").mediaType())) {
                requireType(report, NVIDIA_SPDM_REPORT);
            }
            requireType(Objects.requireNonNull(endorsements, "endorsements"), PEM_CHAIN);
            Objects.requireNonNull(ocsp, "ocsp").ifPresent(o -> requireType(o, OCSP_RESPONSES));
        }

        /** The OCSP responses of this GPU's chain, if stapled (leaf first). */
        public List<byte[]> ocspResponses() throws AttestationException {
            if (ocsp.isEmpty()) {
                return List.of();
            }
            return byteStrings(ocsp.get().value().toByteArray(), "gpu-ocsp", MAX_OCSP_RESPONSES);
        }
    }

    public EvidenceBundle {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(cpuEndorsements, "cpuEndorsements");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(gpuEndorsements, "gpuEndorsements");
        Objects.requireNonNull(ledgerProofs, "ledgerProofs");
        if (!CPU_TYPES.contains(cpu.mediaType())) {
            throw new IllegalArgumentException("unknown CPU evidence type " + cpu.mediaType());
        }
        requireType(cpuEndorsements, TDX_QUOTE.equals(cpu.mediaType()) ? TDX_COLLATERAL : PEM_CHAIN);
        gpu.ifPresent(g -> {
            if (!NVIDIA_CC_OFF.equals(g.mediaType())) {
                requireType(g, NVIDIA_SPDM_REPORT);
            }
        });
        gpuEndorsements.ifPresent(g -> requireType(g, PEM_CHAIN));
        ledgerProofs.ifPresent(g -> requireType(g, LEDGER_PROOFS));
        Objects.requireNonNull(gpuRims, "gpuRims");
        gpuRims.ifPresent(g -> requireType(g, NVIDIA_RIMS));
        if (gpu.isPresent() != gpuEndorsements.isPresent()) {
            throw new IllegalArgumentException("GPU evidence and GPU endorsements come together");
        }
        if (gpuRims.isPresent() && gpu.isEmpty()) {
            throw new IllegalArgumentException("GPU RIMs come with GPU evidence only");
        }
        Objects.requireNonNull(cpuCrl, "cpuCrl");
        cpuCrl.ifPresent(c -> requireType(c, PKIX_CRL));
        if (cpuCrl.isPresent() && TDX_QUOTE.equals(cpu.mediaType())) {
            throw new IllegalArgumentException("cpu-crl is AMD's CRL; a TDX quote's CRLs are in its collateral");
        }
        Objects.requireNonNull(gpuOcsp, "gpuOcsp");
        gpuOcsp.ifPresent(g -> requireType(g, OCSP_RESPONSES));
        if (gpuOcsp.isPresent() && gpu.isEmpty()) {
            throw new IllegalArgumentException("GPU OCSP responses come with GPU evidence only");
        }
        additionalGpus = List.copyOf(additionalGpus);
        if (!additionalGpus.isEmpty()) {
            if (gpu.isEmpty() || !NVIDIA_SPDM_REPORT.equals(gpu.get().mediaType())) {
                throw new IllegalArgumentException("more GPUs come after a first GPU's report only");
            }
            for (GpuEntries g : additionalGpus) {
                requireType(g.report(), NVIDIA_SPDM_REPORT);
            }
            if (1 + additionalGpus.size() > MAX_GPUS) {
                throw new IllegalArgumentException(
                        (1 + additionalGpus.size()) + " GPUs, at most " + MAX_GPUS + " in one bundle");
            }
        }
    }

    /** A bundle with at most one GPU. */
    public EvidenceBundle(
            Entry cpu,
            Entry cpuEndorsements,
            Optional<Entry> gpu,
            Optional<Entry> gpuEndorsements,
            Optional<Entry> ledgerProofs,
            Optional<Entry> gpuRims,
            Optional<Entry> cpuCrl,
            Optional<Entry> gpuOcsp) {
        this(cpu, cpuEndorsements, gpu, gpuEndorsements, ledgerProofs, gpuRims, cpuCrl, gpuOcsp, List.of());
    }

    /**
     * Every GPU's evidence, GPU 0 first (empty for a CPU-only enclave; one entry holding {@value #NVIDIA_CC_OFF} for
     * an enclave with confidential computing off).
     */
    public List<GpuEntries> gpus() {
        if (gpu.isEmpty()) {
            return List.of();
        }
        List<GpuEntries> all = new java.util.ArrayList<>(1 + additionalGpus.size());
        all.add(new GpuEntries(gpu.get(), gpuEndorsements.orElseThrow(), gpuOcsp));
        all.addAll(additionalGpus);
        return List.copyOf(all);
    }

    /**
     * What REPORT_DATA commits to as the GPU evidence (HandshakeBinding): nothing for a CPU-only enclave; the report
     * (the {@code gpu} entry's bytes) for one GPU; the canonical CBOR array of every GPU's report, GPU 0 first, for
     * several.
     */
    public byte[] gpuCommitment() {
        return gpuCommitment(
                gpu.isEmpty()
                        ? List.of()
                        : java.util.stream.Stream.concat(
                                        java.util.stream.Stream.of(gpu.get()),
                                        additionalGpus.stream().map(GpuEntries::report))
                                .toList());
    }

    /** {@link #gpuCommitment()} of the GPU entries {@code reports} (GPU 0 first), before the bundle exists. */
    public static byte[] gpuCommitment(List<Entry> reports) {
        return switch (reports.size()) {
            case 0 -> new byte[0];
            case 1 -> reports.getFirst().value().toByteArray();
            default ->
                Cbor.array(reports.stream()
                        .map(r -> Cbor.bytes(r.value().toByteArray()))
                        .toArray(byte[][]::new));
        };
    }

    /** A bundle without stapled revocation status. */
    public EvidenceBundle(
            Entry cpu,
            Entry cpuEndorsements,
            Optional<Entry> gpu,
            Optional<Entry> gpuEndorsements,
            Optional<Entry> ledgerProofs,
            Optional<Entry> gpuRims) {
        this(cpu, cpuEndorsements, gpu, gpuEndorsements, ledgerProofs, gpuRims, Optional.empty(), Optional.empty());
    }

    /** A bundle without stapled RIMs. */
    public EvidenceBundle(
            Entry cpu,
            Entry cpuEndorsements,
            Optional<Entry> gpu,
            Optional<Entry> gpuEndorsements,
            Optional<Entry> ledgerProofs) {
        this(
                cpu,
                cpuEndorsements,
                gpu,
                gpuEndorsements,
                ledgerProofs,
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /** The {@value #PKIX_CRL} entry holding {@code der}. */
    public static Entry crl(byte[] der) {
        return new Entry(PKIX_CRL, Bytes.of(der));
    }

    /** The {@value #OCSP_RESPONSES} entry holding {@code responses} (1 to {@value #MAX_OCSP_RESPONSES}). */
    public static Entry ocspResponses(List<byte[]> responses) {
        if (responses.isEmpty() || responses.size() > MAX_OCSP_RESPONSES) {
            throw new IllegalArgumentException(
                    "1 to " + MAX_OCSP_RESPONSES + " OCSP responses, got " + responses.size());
        }
        return new Entry(
                OCSP_RESPONSES,
                Bytes.of(Cbor.array(responses.stream().map(Cbor::bytes).toArray(byte[][]::new))));
    }

    /** The {@value #TDX_COLLATERAL} entry holding {@code parts} (exactly {@value #TDX_COLLATERAL_PARTS}). */
    public static Entry tdxCollateral(List<byte[]> parts) {
        if (parts.size() != TDX_COLLATERAL_PARTS) {
            throw new IllegalArgumentException(TDX_COLLATERAL_PARTS + " TDX collateral parts, got " + parts.size());
        }
        return new Entry(
                TDX_COLLATERAL,
                Bytes.of(Cbor.array(parts.stream().map(Cbor::bytes).toArray(byte[][]::new))));
    }

    /** The parts of the {@code cpu-endorsements} entry of a TDX quote, in {@link #tdxCollateral} order. */
    public List<byte[]> tdxCollateralParts() throws AttestationException {
        if (!TDX_COLLATERAL.equals(cpuEndorsements.mediaType())) {
            throw new AttestationException("cpu-endorsements is not TDX collateral");
        }
        List<byte[]> parts =
                byteStrings(cpuEndorsements.value().toByteArray(), "cpu-endorsements", TDX_COLLATERAL_PARTS);
        if (parts.size() != TDX_COLLATERAL_PARTS) {
            throw new AttestationException(
                    "cpu-endorsements holds " + parts.size() + " TDX collateral parts, not " + TDX_COLLATERAL_PARTS);
        }
        return parts;
    }

    /** The OCSP responses of the {@code gpu-ocsp} entry, if any (leaf first). */
    public List<byte[]> gpuOcspResponses() throws AttestationException {
        if (gpuOcsp.isEmpty()) {
            return List.of();
        }
        return byteStrings(gpuOcsp.get().value().toByteArray(), "gpu-ocsp", MAX_OCSP_RESPONSES);
    }

    /** The {@value #NVIDIA_RIMS} entry holding {@code documents} (1 to {@value #MAX_RIMS}). */
    public static Entry rims(List<byte[]> documents) {
        if (documents.isEmpty() || documents.size() > MAX_RIMS) {
            throw new IllegalArgumentException("1 to " + MAX_RIMS + " RIM documents, got " + documents.size());
        }
        return new Entry(
                NVIDIA_RIMS,
                Bytes.of(Cbor.array(documents.stream().map(Cbor::bytes).toArray(byte[][]::new))));
    }

    /** The RIM documents of the {@code gpu-rims} entry, if any. */
    public List<byte[]> rimDocuments() throws AttestationException {
        if (gpuRims.isEmpty()) {
            return List.of();
        }
        return byteStrings(gpuRims.get().value().toByteArray(), "gpu-rims", MAX_RIMS);
    }

    private static List<byte[]> byteStrings(byte[] value, String label, int max) throws AttestationException {
        if (!(Cbor.decode(value) instanceof List<?> l)
                || l.isEmpty()
                || l.size() > max
                || !l.stream().allMatch(x -> x instanceof byte[])) {
            throw new AttestationException(label + " is not an array of 1 to " + max + " byte strings");
        }
        byte[] again = Cbor.array(l.stream().map(x -> Cbor.bytes((byte[]) x)).toArray(byte[][]::new));
        if (!java.util.Arrays.equals(again, value)) {
            throw new AttestationException(label + " is not in the canonical encoding");
        }
        return l.stream().map(x -> ((byte[]) x).clone()).toList();
    }

    private static void requireType(Entry e, String type) {
        if (!type.equals(e.mediaType())) {
            throw new IllegalArgumentException("expected media type " + type + ", got " + e.mediaType());
        }
    }

    public byte[] encode() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("__cmwc_t", Cbor.text(COLLECTION_TYPE));
        m.put("cpu", record(cpu));
        m.put("cpu-endorsements", record(cpuEndorsements));
        gpu.ifPresent(e -> m.put("gpu", record(e)));
        gpuEndorsements.ifPresent(e -> m.put("gpu-endorsements", record(e)));
        gpuRims.ifPresent(e -> m.put("gpu-rims", record(e)));
        cpuCrl.ifPresent(e -> m.put("cpu-crl", record(e)));
        gpuOcsp.ifPresent(e -> m.put("gpu-ocsp", record(e)));
        ledgerProofs.ifPresent(e -> m.put("ledger-proofs", record(e)));
        for (int i = 0; i < additionalGpus.size(); i++) {
            GpuEntries g = additionalGpus.get(i);
            int n = i + 1;
            m.put("gpu/" + n, record(g.report()));
            m.put("gpu-endorsements/" + n, record(g.endorsements()));
            g.ocsp().ifPresent(e -> m.put("gpu-ocsp/" + n, record(e)));
        }
        return Cbor.map(m);
    }

    private static byte[] record(Entry e) {
        return Cbor.array(Cbor.text(e.mediaType()), Cbor.bytes(e.value.toByteArray()));
    }

    public static EvidenceBundle decode(byte[] encoded) throws AttestationException {
        try {
            if (encoded == null || encoded.length > MAX_ENCODED) {
                throw new AttestationException("missing or larger than " + MAX_ENCODED + " bytes");
            }
            if (!(Cbor.decode(encoded) instanceof Map<?, ?> map)) {
                throw new AttestationException("not a CBOR map (CMW collection)");
            }
            for (Object k : map.keySet()) {
                if (!(k instanceof String label && numberedGpuLabel(label).isPresent())
                        && !List.of(
                                        "__cmwc_t",
                                        "cpu",
                                        "cpu-endorsements",
                                        "gpu",
                                        "gpu-endorsements",
                                        "gpu-rims",
                                        "cpu-crl",
                                        "gpu-ocsp",
                                        "ledger-proofs")
                                .contains(k)) {
                    throw new AttestationException("unknown label \"" + k + "\"");
                }
            }
            if (!COLLECTION_TYPE.equals(map.get("__cmwc_t"))) {
                throw AttestationException.mismatch("collection type", COLLECTION_TYPE, map.get("__cmwc_t"));
            }
            EvidenceBundle b;
            try {
                b = new EvidenceBundle(
                        entry(map, "cpu").orElseThrow(() -> new AttestationException("no cpu entry")),
                        entry(map, "cpu-endorsements")
                                .orElseThrow(() -> new AttestationException("no cpu-endorsements entry")),
                        entry(map, "gpu"),
                        entry(map, "gpu-endorsements"),
                        entry(map, "ledger-proofs"),
                        entry(map, "gpu-rims"),
                        entry(map, "cpu-crl"),
                        entry(map, "gpu-ocsp"),
                        additionalGpus(map));
            } catch (IllegalArgumentException e) {
                throw new AttestationException(e.getMessage(), e);
            }
            if (!java.util.Arrays.equals(b.encode(), encoded)) {
                throw new AttestationException("not in the canonical encoding");
            }
            return b;
        } catch (AttestationException e) {
            throw e.whileDoing("decoding the evidence bundle");
        }
    }

    private static final java.util.regex.Pattern NUMBERED_GPU =
            java.util.regex.Pattern.compile("(gpu|gpu-endorsements|gpu-ocsp)/([1-9])");

    /** The GPU number of a label {@code gpu/i}, {@code gpu-endorsements/i} or {@code gpu-ocsp/i} (1 ≤ i < MAX_GPUS). */
    private static Optional<Integer> numberedGpuLabel(String label) {
        java.util.regex.Matcher m = NUMBERED_GPU.matcher(label);
        if (!m.matches()) {
            return Optional.empty();
        }
        int n = Integer.parseInt(m.group(2));
        return n < MAX_GPUS ? Optional.of(n) : Optional.empty();
    }

    /** GPUs 1, 2, ... as long as {@code gpu/i} is present; any numbered label beyond them is refused. */
    private static List<GpuEntries> additionalGpus(Map<?, ?> map) throws AttestationException {
        List<GpuEntries> out = new java.util.ArrayList<>();
        for (int n = 1; n < MAX_GPUS && map.containsKey("gpu/" + n); n++) {
            Entry report = entry(map, "gpu/" + n).orElseThrow();
            Entry chain = entry(map, "gpu-endorsements/" + n)
                    .orElseThrow(() -> new AttestationException("GPU evidence and GPU endorsements come together"));
            out.add(new GpuEntries(report, chain, entry(map, "gpu-ocsp/" + n)));
        }
        for (Object k : map.keySet()) {
            Optional<Integer> n = numberedGpuLabel((String) k);
            if (n.isPresent() && n.get() > out.size()) {
                throw new AttestationException("entry \"" + k + "\" without \"gpu/1\" .. \"gpu/" + n.get()
                        + "\" (GPUs are numbered from 1 without gaps)");
            }
        }
        return out;
    }

    private static Optional<Entry> entry(Map<?, ?> map, String label) throws AttestationException {
        Object v = map.get(label);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof List<?> l)
                || l.size() != 2
                || !(l.get(0) instanceof String type)
                || !(l.get(1) instanceof byte[] bytes)) {
            throw new AttestationException("entry \"" + label + "\" is not a CMW record [type, bytes]");
        }
        if (bytes.length > MAX_VALUE) {
            throw new AttestationException("entry \"" + label + "\" larger than " + MAX_VALUE + " bytes");
        }
        return Optional.of(new Entry(type, Bytes.of(bytes)));
    }
}
