package dev.cloister.attest.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The bundle carries the real samples through one canonical encoding, and refuses every other encoding. */
class EvidenceBundleTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    static EvidenceBundle realBundle() {
        Path snp = Vectors.dir("sev-snp/virtee-sev");
        Path gpu = Vectors.dir("nvidia-gpu/nvtrust");
        String vcekPem = "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(Vectors.read(snp.resolve("vcek_milan.der")))
                + "\n-----END CERTIFICATE-----\n";
        byte[] chain = (vcekPem + new String(Vectors.read(snp.resolve("cert_chain_milan")), StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);
        return new EvidenceBundle(
                new EvidenceBundle.Entry(
                        EvidenceBundle.SEV_SNP_REPORT,
                        dev.cloister.base.Bytes.of(Vectors.read(snp.resolve("report_milan.bin")))),
                new EvidenceBundle.Entry(EvidenceBundle.PEM_CHAIN, dev.cloister.base.Bytes.of(chain)),
                Optional.of(new EvidenceBundle.Entry(
                        EvidenceBundle.NVIDIA_SPDM_REPORT,
                        dev.cloister.base.Bytes.of(NvidiaGpuEvidence.ofHex(new String(
                                        Vectors.read(gpu.resolve("hopperAttestationReport.txt")),
                                        StandardCharsets.US_ASCII))
                                .report()))),
                Optional.of(new EvidenceBundle.Entry(
                        EvidenceBundle.PEM_CHAIN,
                        dev.cloister.base.Bytes.of(Vectors.read(gpu.resolve("hopperCertChain.txt"))))),
                Optional.empty());
    }

    private static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void roundTripsAndItsContentsVerify() throws Exception {
        EvidenceBundle b = realBundle();
        byte[] enc = b.encode();
        EvidenceBundle d = EvidenceBundle.decode(enc);
        assertArrayEquals(enc, d.encode());
        assertEquals(b.cpu().value(), d.cpu().value());
        // The CPU chain entry holds VCEK, ASK, ARK in one PEM: split at the first certificate.
        String pem = new String(d.cpuEndorsements().value().toByteArray(), StandardCharsets.US_ASCII);
        int second = pem.indexOf("-----BEGIN CERTIFICATE-----", 1);
        AttestationVerifier v = AttestationVerifier.create();
        v.verify(
                NOW,
                SevSnpEvidence.of(d.cpu().value().toByteArray()),
                SevSnpEndorsements.of(
                        pem.substring(0, second).getBytes(StandardCharsets.US_ASCII),
                        pem.substring(second).getBytes(StandardCharsets.US_ASCII)),
                // The published report's host runs with SMT on, which the default refuses.
                SevSnpPolicy.genuineAmd().withSmt(SevSnpPolicy.Smt.ALLOWED));
        v.verify(
                NOW,
                NvidiaGpuEvidence.of(d.gpu().orElseThrow().value().toByteArray()),
                NvidiaGpuEndorsements.ofPem(
                        d.gpuEndorsements().orElseThrow().value().toByteArray()),
                NvidiaGpuPolicy.genuineNvidia());
    }

    @Test
    void theEncodingIsCanonicalAndStrict() throws Exception {
        byte[] enc = realBundle().encode();
        assertEquals(0xa5, enc[0] & 0xff); // map of 5 entries: type, cpu, cpu-endorsements, gpu, gpu-endorsements
        byte[] trailing = java.util.Arrays.copyOf(enc, enc.length + 1);
        refused("trailing", () -> EvidenceBundle.decode(trailing));
        refused("runs past the end", () -> EvidenceBundle.decode(java.util.Arrays.copyOf(enc, enc.length - 1)));
        refused("remaining input", () -> EvidenceBundle.decode(new byte[] {(byte) 0xa1}));
        refused("truncated", () -> EvidenceBundle.decode(new byte[] {(byte) 0x59, 0x01}));
        refused("larger than", () -> EvidenceBundle.decode(new byte[EvidenceBundle.MAX_ENCODED + 1]));
        // The same map with keys in another order.
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("cpu", Cbor.array(Cbor.text(EvidenceBundle.SEV_SNP_REPORT), Cbor.bytes(new byte[] {1})));
        m.put("__cmwc_t", Cbor.text(EvidenceBundle.COLLECTION_TYPE));
        m.put("cpu-endorsements", Cbor.array(Cbor.text(EvidenceBundle.PEM_CHAIN), Cbor.bytes(new byte[] {2})));
        byte[] sorted = Cbor.map(m);
        EvidenceBundle.decode(sorted);
        // Deterministic order sorts encoded keys bytewise: "cpu" (0x63…) < "__cmwc_t" (0x68…) < "cpu-endorsements".
        Map<String, byte[]> wrongOrder = new LinkedHashMap<>();
        wrongOrder.put("__cmwc_t", m.get("__cmwc_t"));
        wrongOrder.put("cpu", m.get("cpu"));
        wrongOrder.put("cpu-endorsements", m.get("cpu-endorsements"));
        byte[] unsorted = manualMap(wrongOrder);
        refused("deterministic order", () -> EvidenceBundle.decode(unsorted));
        // A non-shortest length head (0x58 0x01 instead of 0x41 for a 1-byte string).
        byte[] longHead = new String(sorted, StandardCharsets.ISO_8859_1)
                .replace("\u0041\u0001", "\u0058\u0001\u0001")
                .getBytes(StandardCharsets.ISO_8859_1);
        refused("non-shortest", () -> EvidenceBundle.decode(longHead));
        m.put("extra", Cbor.bytes(new byte[0]));
        refused("unknown label", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("extra");
        m.put("cpu", Cbor.array(Cbor.text("application/x-tdx-quote"), Cbor.bytes(new byte[] {1})));
        refused("unknown CPU evidence type", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("cpu");
        refused("no cpu entry", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.put("cpu", Cbor.array(Cbor.text(EvidenceBundle.SEV_SNP_REPORT), Cbor.bytes(new byte[] {1})));
        m.put("gpu", Cbor.array(Cbor.text(EvidenceBundle.NVIDIA_SPDM_REPORT), Cbor.bytes(new byte[] {1})));
        refused("come together", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.put("__cmwc_t", Cbor.text("tag:cloister.dev,2026:evidence-bundle/v2"));
        refused("collection type", () -> EvidenceBundle.decode(Cbor.map(m)));
        refused("indefinite", () -> EvidenceBundle.decode(new byte[] {(byte) 0xbf, (byte) 0xff}));
        refused(
                "nested deeper",
                () -> EvidenceBundle.decode(
                        new byte[] {(byte) 0x81, (byte) 0x81, (byte) 0x81, (byte) 0x81, (byte) 0x81, (byte) 0x81, 0}));
        refused(
                "exceeds the limit",
                () -> EvidenceBundle.decode(new byte[] {(byte) 0x9a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    }

    @Test
    void stapledRevocationStatusRoundTripsAndIsTyped() throws Exception {
        EvidenceBundle b = realBundle();
        EvidenceBundle stapled = new EvidenceBundle(
                b.cpu(),
                b.cpuEndorsements(),
                b.gpu(),
                b.gpuEndorsements(),
                b.ledgerProofs(),
                b.gpuRims(),
                Optional.of(EvidenceBundle.crl(new byte[] {0x30, 0x00})),
                Optional.of(EvidenceBundle.ocspResponses(List.of(new byte[] {1}, new byte[] {2, 3}))));
        EvidenceBundle d = EvidenceBundle.decode(stapled.encode());
        assertArrayEquals(stapled.encode(), d.encode());
        assertArrayEquals(
                new byte[] {0x30, 0x00}, d.cpuCrl().orElseThrow().value().toByteArray());
        assertEquals(2, d.gpuOcspResponses().size());
        assertArrayEquals(new byte[] {2, 3}, d.gpuOcspResponses().get(1));
        assertEquals(List.of(), b.gpuOcspResponses());
        // OCSP responses come with GPU evidence only; each entry has its media type.
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("__cmwc_t", Cbor.text(EvidenceBundle.COLLECTION_TYPE));
        m.put("cpu", Cbor.array(Cbor.text(EvidenceBundle.SEV_SNP_REPORT), Cbor.bytes(new byte[] {1})));
        m.put("cpu-endorsements", Cbor.array(Cbor.text(EvidenceBundle.PEM_CHAIN), Cbor.bytes(new byte[] {2})));
        m.put(
                "gpu-ocsp",
                Cbor.array(
                        Cbor.text(EvidenceBundle.OCSP_RESPONSES), Cbor.bytes(Cbor.array(Cbor.bytes(new byte[] {1})))));
        refused("GPU OCSP responses come with GPU evidence only", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("gpu-ocsp");
        m.put("cpu-crl", Cbor.array(Cbor.text(EvidenceBundle.PEM_CHAIN), Cbor.bytes(new byte[] {1})));
        refused("expected media type application/pkix-crl", () -> EvidenceBundle.decode(Cbor.map(m)));
        // The responses entry must be a canonical array of 1 to 8 byte strings.
        EvidenceBundle notAnArray = new EvidenceBundle(
                b.cpu(),
                b.cpuEndorsements(),
                b.gpu(),
                b.gpuEndorsements(),
                b.ledgerProofs(),
                b.gpuRims(),
                Optional.empty(),
                Optional.of(
                        new EvidenceBundle.Entry(EvidenceBundle.OCSP_RESPONSES, Bytes.of(Cbor.bytes(new byte[] {1})))));
        refused("gpu-ocsp is not an array", notAnArray::gpuOcspResponses);
        assertThrows(IllegalArgumentException.class, () -> EvidenceBundle.ocspResponses(List.of()));
    }

    /** A bundle of two GPUs with one-byte values: the fuzz seed {@code multi-gpu} is its encoding. */
    static EvidenceBundle smallMultiGpuBundle() {
        return new EvidenceBundle(
                entry(EvidenceBundle.SEV_SNP_REPORT, 1),
                entry(EvidenceBundle.PEM_CHAIN, 2),
                Optional.of(entry(EvidenceBundle.NVIDIA_SPDM_REPORT, 3)),
                Optional.of(entry(EvidenceBundle.PEM_CHAIN, 4)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(new EvidenceBundle.GpuEntries(
                        entry(EvidenceBundle.NVIDIA_SPDM_REPORT, 5),
                        entry(EvidenceBundle.PEM_CHAIN, 6),
                        Optional.of(EvidenceBundle.ocspResponses(List.of(new byte[] {7}))))));
    }

    private static EvidenceBundle.Entry entry(String type, int b) {
        return new EvidenceBundle.Entry(type, Bytes.of(new byte[] {(byte) b}));
    }

    @Test
    void multiGpuBundlesRoundTripWithEveryGpuInOrder() throws Exception {
        EvidenceBundle b = smallMultiGpuBundle();
        byte[] enc = b.encode();
        EvidenceBundle d = EvidenceBundle.decode(enc);
        assertArrayEquals(enc, d.encode());
        assertEquals(2, d.gpus().size());
        assertEquals(Bytes.of(new byte[] {3}), d.gpus().get(0).report().value());
        assertEquals(Bytes.of(new byte[] {5}), d.gpus().get(1).report().value());
        assertEquals(Bytes.of(new byte[] {6}), d.gpus().get(1).endorsements().value());
        assertArrayEquals(new byte[] {7}, d.gpus().get(1).ocspResponses().getFirst());
        assertTrue(d.gpus().get(0).ocsp().isEmpty());
        // The fuzz seed is this bundle's encoding.
        assertArrayEquals(
                enc,
                Vectors.read(Path.of("src/test/resources/dev/cloister/attest/bundle/EvidenceBundleFuzzTestInputs/"
                        + "decodeIsStrictAndCanonical/multi-gpu")));
        // The REPORT_DATA commitment: one GPU's report as is, several GPUs' reports as a CBOR array in order.
        assertArrayEquals(Cbor.array(Cbor.bytes(new byte[] {3}), Cbor.bytes(new byte[] {5})), d.gpuCommitment());
        EvidenceBundle one = realBundle();
        assertArrayEquals(one.gpu().orElseThrow().value().toByteArray(), one.gpuCommitment());
        assertEquals(1, one.gpus().size());
        // A one-GPU bundle is encoded as it always was: five entries, no numbered label.
        assertEquals(0xa5, one.encode()[0] & 0xff);
    }

    @Test
    void multiGpuEntriesAreRefusedWhenIncompleteOutOfOrderOrTooMany() throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("__cmwc_t", Cbor.text(EvidenceBundle.COLLECTION_TYPE));
        m.put("cpu", record(EvidenceBundle.SEV_SNP_REPORT, 1));
        m.put("cpu-endorsements", record(EvidenceBundle.PEM_CHAIN, 2));
        m.put("gpu", record(EvidenceBundle.NVIDIA_SPDM_REPORT, 3));
        m.put("gpu-endorsements", record(EvidenceBundle.PEM_CHAIN, 4));
        // A second GPU without its chain.
        m.put("gpu/1", record(EvidenceBundle.NVIDIA_SPDM_REPORT, 5));
        refused("come together", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.put("gpu-endorsements/1", record(EvidenceBundle.PEM_CHAIN, 6));
        assertEquals(2, EvidenceBundle.decode(Cbor.map(m)).gpus().size());
        // A gap: GPU 3 without GPU 2.
        m.put("gpu/3", record(EvidenceBundle.NVIDIA_SPDM_REPORT, 7));
        m.put("gpu-endorsements/3", record(EvidenceBundle.PEM_CHAIN, 8));
        refused("numbered from 1 without gaps", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("gpu/3");
        m.remove("gpu-endorsements/3");
        // A chain or OCSP responses of a GPU that is not there.
        m.put("gpu-endorsements/2", record(EvidenceBundle.PEM_CHAIN, 8));
        refused("without \"gpu/1\" .. \"gpu/2\"", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("gpu-endorsements/2");
        m.put("gpu-ocsp/2", record(EvidenceBundle.OCSP_RESPONSES, 8));
        refused("numbered from 1 without gaps", () -> EvidenceBundle.decode(Cbor.map(m)));
        m.remove("gpu-ocsp/2");
        // Labels beyond MAX_GPUS, with a leading zero, or numbered 0 are unknown.
        for (String label : List.of("gpu/8", "gpu/01", "gpu/0", "gpu/10", "gpu-rims/1", "gpu/1 ")) {
            Map<String, byte[]> odd = new LinkedHashMap<>(m);
            odd.put(label, record(EvidenceBundle.NVIDIA_SPDM_REPORT, 9));
            refused("unknown label", () -> EvidenceBundle.decode(Cbor.map(odd)));
        }
        // Each numbered entry has its media type; a second GPU never follows confidential computing off.
        Map<String, byte[]> wrongType = new LinkedHashMap<>(m);
        wrongType.put("gpu-endorsements/1", record(EvidenceBundle.NVIDIA_SPDM_REPORT, 6));
        refused(
                "expected media type application/pem-certificate-chain",
                () -> EvidenceBundle.decode(Cbor.map(wrongType)));
        Map<String, byte[]> ccOff = new LinkedHashMap<>(m);
        ccOff.put("gpu", record(EvidenceBundle.NVIDIA_CC_OFF, 3));
        refused("after a first GPU's report only", () -> EvidenceBundle.decode(Cbor.map(ccOff)));
        Map<String, byte[]> ccOffLater = new LinkedHashMap<>(m);
        ccOffLater.put("gpu/1", record(EvidenceBundle.NVIDIA_CC_OFF, 5));
        refused(
                "expected media type " + EvidenceBundle.NVIDIA_SPDM_REPORT,
                () -> EvidenceBundle.decode(Cbor.map(ccOffLater)));
        Map<String, byte[]> noFirst = new LinkedHashMap<>(m);
        noFirst.remove("gpu");
        noFirst.remove("gpu-endorsements");
        refused("after a first GPU's report only", () -> EvidenceBundle.decode(Cbor.map(noFirst)));
        // MAX_GPUS decode; one more cannot even be labelled, and cannot be built.
        for (int n = 2; n < EvidenceBundle.MAX_GPUS; n++) {
            m.put("gpu/" + n, record(EvidenceBundle.NVIDIA_SPDM_REPORT, 5));
            m.put("gpu-endorsements/" + n, record(EvidenceBundle.PEM_CHAIN, 6));
        }
        assertEquals(
                EvidenceBundle.MAX_GPUS,
                EvidenceBundle.decode(Cbor.map(m)).gpus().size());
        EvidenceBundle small = smallMultiGpuBundle();
        List<EvidenceBundle.GpuEntries> tooMany = java.util.Collections.nCopies(
                EvidenceBundle.MAX_GPUS, small.additionalGpus().getFirst());
        IllegalArgumentException x = assertThrows(
                IllegalArgumentException.class,
                () -> new EvidenceBundle(
                        small.cpu(),
                        small.cpuEndorsements(),
                        small.gpu(),
                        small.gpuEndorsements(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        tooMany));
        assertTrue(x.getMessage().contains("at most " + EvidenceBundle.MAX_GPUS), x.getMessage());
    }

    private static byte[] record(String type, int b) {
        return Cbor.array(Cbor.text(type), Cbor.bytes(new byte[] {(byte) b}));
    }

    private static byte[] manualMap(Map<String, byte[]> m) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        Cbor.head(o, 5, m.size());
        m.forEach((k, v) -> {
            o.writeBytes(Cbor.text(k));
            o.writeBytes(v);
        });
        return o.toByteArray();
    }
}
