package dev.cloister.attest.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RootKind;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Simulated GPU reports go through the real GPU verifier; the default (NVIDIA-rooted) policy refuses them. */
class SimulatedNvidiaGpuTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    @Test
    void roundTripsAndIsRefusedByTheDefaultPolicy(@TempDir Path dir) throws Exception {
        SecureRandom random = new SecureRandom();
        SimulatedNvidiaGpu gpu = SimulatedNvidiaGpu.openOrCreate(dir, NOW, random);
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        byte[][] m = new byte[64][48];
        m[1][0] = 42;
        NvidiaGpuEvidence e = gpu.report(nonce, m, random);
        NvidiaGpuClaims c = new NvidiaGpuVerifier()
                .verify(NOW, e, gpu.endorsements(), gpu.insecurePolicy().withNonce(ReferenceValue.Digests.of(nonce)));
        assertEquals(RootKind.SIMULATED, c.root());
        assertEquals(SimulatedNvidiaGpu.DRIVER_VERSION, c.driverVersion());
        assertEquals("96.00.74.00.1a", c.vbiosVersion());
        assertArrayEquals(m[1], c.report().blocks().get(1).value().toByteArray());

        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new NvidiaGpuVerifier().verify(NOW, e, gpu.endorsements(), NvidiaGpuPolicy.genuineNvidia()));
        assertTrue(x.getMessage().contains("is not a root this policy trusts"), x.getMessage());

        SimulatedNvidiaGpu again = SimulatedNvidiaGpu.openOrCreate(dir, NOW, random);
        assertEquals(gpu.root().sha256(), again.root().sha256());

        byte[] r = e.report();
        for (int i = 0; i < r.length; i += 16) {
            r[i] ^= 1;
            int at = i;
            assertThrows(
                    AttestationException.class,
                    () -> new NvidiaGpuVerifier()
                            .verify(NOW, NvidiaGpuEvidence.of(r), gpu.endorsements(), gpu.insecurePolicy()),
                    "byte " + at);
            r[i] ^= 1;
        }
    }
}
