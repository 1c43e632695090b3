package dev.cloister.attest.nvgpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.base.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One physical GPU is recognised in its evidence (the real H100 chain), so that no GPU is counted twice. */
class NvidiaGpuIdentityTest {

    static NvidiaGpuEndorsements real() throws AttestationException {
        return NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem());
    }

    static NvidiaGpuEndorsements simulated(String dir) throws Exception {
        return SimulatedNvidiaGpu.openOrCreate(Path.of("target", dir), Instant.now(), new SecureRandom())
                .endorsements();
    }

    @Test
    void theRealChainNamesItsDeviceCertificate() throws Exception {
        NvidiaGpuIdentity id = NvidiaGpuIdentity.of(real());
        // The GSP BROM certificate: serial 41431D480FE5E87274, issued by the GH100 Provisioner ICA 1.
        assertTrue(id.deviceCertificate().orElseThrow().contains("serial 41431d480fe5e87274"), id.toString());
        assertTrue(id.deviceCertificate().orElseThrow().contains("Provisioner ICA 1"), id.toString());
        assertEquals(32, id.attestationKeySha256().length());
        // A simulated chain (leaf, root) has no device certificate below its root.
        assertTrue(NvidiaGpuIdentity.of(simulated("identity-sim-gpu-a"))
                .deviceCertificate()
                .isEmpty());
    }

    @Test
    void distinctGpusPass() throws Exception {
        NvidiaGpuIdentity.requireDistinct(
                List.of(real(), simulated("identity-sim-gpu-a"), simulated("identity-sim-gpu-b")));
    }

    @Test
    void theSameRealGpuTwiceIsRefused() throws Exception {
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> NvidiaGpuIdentity.requireDistinct(List.of(simulated("identity-sim-gpu-a"), real(), real())));
        assertTrue(
                x.getMessage().contains("GPU 1 and GPU 2 are the same GPU: the same attestation key"), x.getMessage());
    }

    @Test
    void anotherLeafOverTheSameDeviceCertificateIsTheSameGpu() throws Exception {
        // A tampered copy of the real chain: another leaf (a simulated one) over the real GSP BROM certificate.
        List<byte[]> chain = new ArrayList<>(real().chain());
        chain.set(0, simulated("identity-sim-gpu-a").chain().getFirst());
        NvidiaGpuEndorsements otherLeaf =
                NvidiaGpuEndorsements.ofPem(Pem.encodeCertificates(chain).getBytes(StandardCharsets.US_ASCII));
        AttestationException x = assertThrows(
                AttestationException.class, () -> NvidiaGpuIdentity.requireDistinct(List.of(real(), otherLeaf)));
        assertTrue(
                x.getMessage().contains("GPU 0 and GPU 1 are the same GPU: the same device certificate"),
                x.getMessage());
    }

    @Test
    void aChainThatIsNotACertificateIsRefused() throws Exception {
        NvidiaGpuEndorsements garbage =
                NvidiaGpuEndorsements.ofPem(Pem.encode(Pem.CERTIFICATE, new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})
                        .getBytes(StandardCharsets.US_ASCII));
        AttestationException x =
                assertThrows(AttestationException.class, () -> NvidiaGpuIdentity.requireDistinct(List.of(garbage)));
        assertTrue(x.getMessage().contains("not an X.509 certificate"), x.getMessage());
    }
}
