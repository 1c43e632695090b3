package dev.cloister.attest.sim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * AMD's CRL (KDS {@code /vcek/v1/<product>/crl}: DER, ARK-signed with RSASSA-PSS): made by the simulated ARK, since no
 * real AMD CRL revokes anything we hold a certificate for.
 */
class AmdCrlTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    @TempDir
    static Path dir;

    static SimulatedSevSnpPlatform sim;
    static SevSnpEvidence report;

    @BeforeAll
    static void generate() throws Exception {
        sim = SimulatedSevSnpPlatform.openOrCreate(dir, NOW, new SecureRandom());
        byte[] zero = new byte[64];
        report = sim.report(SimulatedReportRequest.of(zero, Arrays.copyOf(zero, 48)));
    }

    static void verify(SevSnpEndorsements e) throws AttestationException {
        new SevSnpVerifier().verify(NOW, report, e, sim.insecurePolicy());
    }

    static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void aCurrentCrlThatRevokesNothingOfTheChainIsAccepted() throws Exception {
        verify(sim.endorsements().withCrl(sim.crl(NOW, false, false)));
    }

    @Test
    void aRevokedAskOrVcekIsRefused() {
        refused(
                "while checking the VCEK/VLEK certificate chain against AMD's CRL: SEV-Genoa (serial 2) is revoked",
                () -> verify(sim.endorsements().withCrl(sim.crl(NOW, true, false))));
        refused(
                "SEV-VCEK (serial 0) is revoked by AMD's CRL",
                () -> verify(sim.endorsements().withCrl(sim.crl(NOW, false, true))));
    }

    @Test
    void aCrlThatIsNotCurrentTamperedOrFromAnotherIssuerIsRefused() throws Exception {
        refused(
                "AMD CRL is not current",
                () -> verify(sim.endorsements().withCrl(sim.crl(NOW.minus(Duration.ofDays(60)), false, false))));
        byte[] tampered = sim.crl(NOW, false, false);
        tampered[tampered.length - 10] ^= 1;
        refused(
                "AMD CRL: RSASSA-PSS signature does not verify",
                () -> verify(sim.endorsements().withCrl(tampered)));
        byte[] notDer = Arrays.copyOf(sim.crl(NOW, false, false), 20);
        refused("AMD CRL: not a DER X.509 CRL", () -> verify(sim.endorsements().withCrl(notDer)));
        SimulatedSevSnpPlatform other =
                SimulatedSevSnpPlatform.openOrCreate(Files.createTempDirectory(dir, "other"), NOW, new SecureRandom());
        refused(
                "AMD CRL: RSASSA-PSS signature does not verify",
                () -> verify(sim.endorsements().withCrl(other.crl(NOW, false, false))));
    }
}
