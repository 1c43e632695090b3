package dev.cloister.attest.tdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TD's launch configuration a TDX policy pins: XFAM (exact value or allowed mask), MRCONFIGID, MROWNER and
 * MROWNERCONFIG (all zero unless stated); each value other than the expected one is refused by name with both values.
 */
class TdxLaunchConfigurationTest {

    static final Instant NOW = Instant.now();
    /** The simulated quote's XFAM: bytes e702060000000000, little-endian. */
    static final long SIM_XFAM = 0x602e7L;

    static SimulatedTdxPlatform sim;
    static TdxEvidence quote;

    @BeforeAll
    static void start() throws Exception {
        sim = SimulatedTdxPlatform.openOrCreate(Path.of("target", "tdx-launch-sim"), NOW, new SecureRandom());
        byte[] r = new byte[48];
        quote = sim.quote(new byte[64], r, List.of(r, r, r, r), false);
    }

    static TdxClaims verify(TdxPolicy p) throws AttestationException {
        return new TdxVerifier().verify(NOW, quote, sim.endorsements(NOW), p);
    }

    static String refused(TdxPolicy p) {
        return assertThrows(AttestationException.class, () -> verify(p)).getMessage();
    }

    static ReferenceValue filled(int b) {
        byte[] v = new byte[48];
        Arrays.fill(v, (byte) b);
        return new ReferenceValue.Digests(List.of(Bytes.of(v)));
    }

    @Test
    void theDefaultsPinAllZeroOwnerValuesAndTheXfamMask() throws Exception {
        TdxPolicy p = sim.insecurePolicy();
        assertEquals(TdxPolicy.ALL_ZERO, p.mrConfigId());
        assertEquals(TdxPolicy.ALL_ZERO, p.mrOwner());
        assertEquals(TdxPolicy.ALL_ZERO, p.mrOwnerConfig());
        assertEquals(TdxPolicy.XfamWithin.DEFAULT, p.xfam());
        assertTrue(p.tdAttributes().requireSeptVeDisable());
        verify(p);
        verify(p.withXfam(new TdxPolicy.XfamEquals(SIM_XFAM)));
    }

    @Test
    void anotherXfamValueIsRefusedWithBothValues() {
        String m = refused(sim.insecurePolicy().withXfam(new TdxPolicy.XfamEquals(0x61ae7L)));
        assertTrue(m.contains("XFAM: expected 0000000000061ae7, got 00000000000602e7"), m);
    }

    @Test
    void xfamBitsOutsideTheAllowedMaskAreRefused() {
        String m = refused(sim.insecurePolicy().withXfam(new TdxPolicy.XfamWithin(0x2e7L)));
        assertTrue(m.contains("XFAM 00000000000602e7 sets bits 0000000000060000 outside the allowed mask"), m);
    }

    @Test
    void anotherMrConfigIdIsRefusedWithBothValues() {
        String m = refused(sim.insecurePolicy().withMrConfigId(filled(0x11)));
        assertTrue(m.contains("MRCONFIGID: expected one of") && m.contains("11".repeat(48)), m);
        assertTrue(m.contains("got " + Hex.format(new byte[48])), m);
    }

    @Test
    void anotherMrOwnerIsRefusedWithBothValues() {
        String m = refused(sim.insecurePolicy().withMrOwner(filled(0x22)));
        assertTrue(m.contains("MROWNER: expected one of") && m.contains("22".repeat(48)), m);
    }

    @Test
    void anotherMrOwnerConfigIsRefusedWithBothValues() {
        String m = refused(sim.insecurePolicy().withMrOwnerConfig(filled(0x33)));
        assertTrue(m.contains("MROWNERCONFIG: expected one of") && m.contains("33".repeat(48)), m);
    }

    @Test
    void aDebugTdIsRefused() {
        byte[] r = new byte[48];
        TdxEvidence debug = sim.quote(new byte[64], r, List.of(r, r, r, r), true);
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new TdxVerifier().verify(NOW, debug, sim.endorsements(NOW), sim.insecurePolicy()));
        assertTrue(x.getMessage().contains("TDATTRIBUTES.DEBUG"), x.getMessage());
    }
}
