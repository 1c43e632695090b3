package dev.cloister.attest.nvgpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RootKind;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The real H100 report verifies with the values of its parsed.json; each tampered or mismatched variant is refused. */
class NvidiaGpuVerifierTest {

    private static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    private static NvidiaGpuClaims verify(byte[] report, NvidiaGpuPolicy policy) throws AttestationException {
        return new NvidiaGpuVerifier()
                .verify(
                        NvidiaGpuSamples.NOW,
                        NvidiaGpuEvidence.of(report),
                        NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                        policy);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRealReportVerifiesWithItsExpectedFields() throws Exception {
        Map<String, Object> e = NvidiaGpuSamples.expected();
        Map<String, Object> request = (Map<String, Object>) e.get("request");
        Map<String, Object> opaque = (Map<String, Object>) e.get("opaque");
        NvidiaGpuPolicy policy =
                NvidiaGpuPolicy.genuineNvidia().withNonce(ReferenceValue.Digests.ofHex((String) request.get("nonce")));
        NvidiaGpuClaims c = verify(NvidiaGpuSamples.report(), policy);
        HexFormat hex = HexFormat.of();
        assertEquals(RootKind.VENDOR, c.root());
        assertEquals(NvidiaRoot.DEVICE_IDENTITY_CA_SHA256, c.rootSha256());
        assertEquals(request.get("nonce"), hex.formatHex(c.nonce()));
        assertEquals(e.get("response_nonce"), hex.formatHex(c.report().responseNonce()));
        assertEquals("550.90.07", c.driverVersion());
        assertEquals(opaque.get("DRIVER_VERSION"), c.driverVersion());
        assertEquals(((Map<String, Object>) opaque.get("VBIOS_VERSION")).get("formatted"), c.vbiosVersion());
        assertEquals(opaque.get("FWID"), c.fwid().hex());
        List<Object> blocks = (List<Object>) e.get("measurements");
        assertEquals(64, c.report().blocks().size());
        assertEquals(blocks.size(), c.report().blocks().size());
        for (int i = 0; i < blocks.size(); i++) {
            Map<String, Object> b = (Map<String, Object>) blocks.get(i);
            SpdmMeasurements.Block actual = c.report().blocks().get(i);
            assertEquals(((Long) b.get("index")).intValue(), actual.index());
            assertEquals(Integer.decode((String) b.get("dmtf_type")).intValue(), actual.dmtfType());
            assertEquals(b.get("value"), actual.value().hex());
        }
        assertEquals(e.get("signature"), hex.formatHex(c.report().signature()));
        assertTrue(c.leafSubject().contains("GH100 A01 GSP FMC LF"), c.leafSubject());

        AttestationResult r = AttestationVerifier.create()
                .verify(
                        NvidiaGpuSamples.NOW,
                        NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                        NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                        policy);
        assertTrue(r.toJson().contains("\"driver_version\":\"550.90.07\""), r.toJson());
        assertTrue(r.toJson().contains("\"platform\":\"nvidia-gpu\""), r.toJson());
        // parsed.json: NVDEC0_STATUS 55, PROTECTED_PCIE_STATUS 55, no FEATURE_FLAG.
        assertTrue(
                r.toJson()
                        .contains("\"nvdec0\":\"disabled\",\"protected_pcie\":\"disabled\","
                                + "\"multi_gpu_mode\":\"legacy (no FEATURE_FLAG)\""),
                r.toJson());
    }

    @Test
    void anotherNonceIsRefused() {
        refused(
                "nonce: expected",
                () -> verify(
                        NvidiaGpuSamples.report(),
                        NvidiaGpuPolicy.genuineNvidia().withNonce(ReferenceValue.Digests.ofHex("00".repeat(32)))));
    }

    @Test
    void trailingZeroBytesAreToleratedAndNothingElse() throws Exception {
        byte[] r = NvidiaGpuSamples.report();
        // One zero byte after the signature, as some real reports carry (LAYOUT.md): same verdict.
        verify(Arrays.copyOf(r, r.length + 1), NvidiaGpuPolicy.genuineNvidia());
        byte[] nonZero = Arrays.copyOf(r, r.length + 1);
        nonZero[r.length] = 1;
        refused("non-zero byte after the signature", () -> verify(nonZero, NvidiaGpuPolicy.genuineNvidia()));
        refused(
                "bytes after the signature",
                () -> verify(Arrays.copyOf(r, r.length + 9), NvidiaGpuPolicy.genuineNvidia()));
        refused(
                "leaves no room for the signature",
                () -> verify(Arrays.copyOf(r, r.length - 1), NvidiaGpuPolicy.genuineNvidia()));
        refused("too short", () -> verify(new byte[10], NvidiaGpuPolicy.genuineNvidia()));
        refused(
                "exceeds the limit",
                () -> verify(new byte[SpdmMeasurements.MAX_REPORT + 1], NvidiaGpuPolicy.genuineNvidia()));
    }

    @Test
    void aChainThatDoesNotEndInTheTrustedRootIsRefused() throws Exception {
        String pem = new String(NvidiaGpuSamples.chainPem(), StandardCharsets.US_ASCII);
        String withoutRoot = pem.substring(0, pem.lastIndexOf("-----BEGIN CERTIFICATE-----"));
        refused(
                "is not a root this policy trusts",
                () -> new NvidiaGpuVerifier()
                        .verify(
                                NvidiaGpuSamples.NOW,
                                NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                                NvidiaGpuEndorsements.ofPem(withoutRoot.getBytes(StandardCharsets.US_ASCII)),
                                NvidiaGpuPolicy.genuineNvidia()));
        String onlyLeaf = pem.substring(0, pem.indexOf("-----END CERTIFICATE-----") + 25);
        refused(
                "at least a leaf and a root",
                () -> new NvidiaGpuVerifier()
                        .verify(
                                NvidiaGpuSamples.NOW,
                                NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                                NvidiaGpuEndorsements.ofPem(onlyLeaf.getBytes(StandardCharsets.US_ASCII)),
                                NvidiaGpuPolicy.genuineNvidia()));
        // The RIM root is NVIDIA's too, but not a device root: it cannot stand in.
        byte[] rimRoot = Vectors.read(NvidiaGpuSamples.dir().resolve("verifier_RIM_root.pem"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NvidiaRoot(RootKind.VENDOR, (java.security.cert.X509Certificate)
                        java.security.cert.CertificateFactory.getInstance("X.509")
                                .generateCertificate(new java.io.ByteArrayInputStream(rimRoot))));
    }

    @Test
    void beforeTheLeafWasIssuedTheChainIsNotValid() {
        refused(
                "is not valid at",
                () -> new NvidiaGpuVerifier()
                        .verify(
                                Instant.parse("2000-01-01T00:00:00Z"),
                                NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                                NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem()),
                                NvidiaGpuPolicy.genuineNvidia()));
    }

    @Test
    void everyFlippedReportByteIsRefusedExceptNone() throws Exception {
        NvidiaGpuVerifier v = new NvidiaGpuVerifier();
        NvidiaGpuEndorsements chain = NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem());
        byte[] r = NvidiaGpuSamples.report();
        v.verify(NvidiaGpuSamples.NOW, NvidiaGpuEvidence.of(r), chain, NvidiaGpuPolicy.genuineNvidia());
        List<Integer> accepted = new ArrayList<>();
        // Every byte is signed (request ‖ response up to the signature) or is the signature itself.
        for (int i = 0; i < r.length; i++) {
            r[i] ^= (byte) (i % 2 == 0 ? 0x01 : 0x80);
            try {
                v.verify(NvidiaGpuSamples.NOW, NvidiaGpuEvidence.of(r), chain, NvidiaGpuPolicy.genuineNvidia());
                accepted.add(i);
            } catch (AttestationException expected) {
                // refused
            }
            r[i] ^= (byte) (i % 2 == 0 ? 0x01 : 0x80);
        }
        assertEquals(List.of(), accepted, "flipped report bytes that were accepted");
        assertEquals(1, v.cachedChains());
    }

    @Test
    void sampledFlippedChainBytesAreRefused() throws Exception {
        NvidiaGpuEndorsements good = NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem());
        List<byte[]> ders = good.chain();
        NvidiaGpuVerifier v = new NvidiaGpuVerifier();
        List<String> accepted = new ArrayList<>();
        // Every 8th byte of each of the 5 certificates (about 350 chain verifications, each uncached).
        for (int c = 0; c < ders.size(); c++) {
            for (int i = c; i < ders.get(c).length; i += 8) {
                ders.get(c)[i] ^= 1;
                StringBuilder pem = new StringBuilder();
                for (byte[] d : ders) {
                    pem.append("-----BEGIN CERTIFICATE-----\n")
                            .append(java.util.Base64.getMimeEncoder().encodeToString(d))
                            .append("\n-----END CERTIFICATE-----\n");
                }
                try {
                    v.verify(
                            NvidiaGpuSamples.NOW,
                            NvidiaGpuEvidence.of(NvidiaGpuSamples.report()),
                            NvidiaGpuEndorsements.ofPem(pem.toString().getBytes(StandardCharsets.US_ASCII)),
                            NvidiaGpuPolicy.genuineNvidia());
                    accepted.add(c + ":" + i);
                } catch (AttestationException expected) {
                    // refused
                }
                ders.get(c)[i] ^= 1;
            }
        }
        assertEquals(List.of(), accepted, "flipped certificate bytes that were accepted");
    }
}
