package dev.cloister.attest.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.attest.sevsnp.SevSnpCertificateTable;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpVerifier;
import dev.cloister.attest.sim.SimulatedReportRequest;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configfs-tsm against a directory that mimics it: the entry already holds what the kernel would return (an outblob
 * from the simulated platform, its certificate table as auxblob), and the evidence read back verifies.
 */
class ConfigfsTsmTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    @Test
    void readsAVerifiableSevSnpReportAndItsCertificateTable(@TempDir Path tmp) throws Exception {
        SimulatedSevSnpPlatform sim = SimulatedSevSnpPlatform.openOrCreate(tmp.resolve("sim"), NOW, new SecureRandom());
        byte[] reportData = new byte[64];
        Arrays.fill(reportData, (byte) 7);
        Path root = tmp.resolve("tsm/report");
        Path entry = Files.createDirectories(root.resolve("cloister0"));
        Files.write(
                entry.resolve("outblob"),
                sim.report(SimulatedReportRequest.of(reportData, new byte[48])).report());
        Files.write(entry.resolve("auxblob"), sim.certificateTable());
        Files.writeString(entry.resolve("provider"), "sev_guest\n");
        Files.writeString(entry.resolve("generation"), "1\n");

        TsmReport r = new ConfigfsTsm(root).report("cloister0", reportData);
        assertEquals("sev_guest", r.provider());
        assertEquals(1, r.generation());
        assertArrayEquals(reportData, Files.readAllBytes(entry.resolve("inblob")));
        SevSnpCertificateTable table =
                SevSnpCertificateTable.parse(r.auxblob().orElseThrow().toByteArray());
        SevSnpClaims c = new SevSnpVerifier()
                .verify(NOW, SevSnpEvidence.of(r.outblob().toByteArray()), table.endorsements(), sim.insecurePolicy());
        assertEquals(RootKind.SIMULATED, c.root());
        assertArrayEquals(reportData, c.reportData());
    }

    @Test
    void aMissingInterfaceIsAClearError(@TempDir Path tmp) {
        AttestationException e = assertThrows(
                AttestationException.class, () -> new ConfigfsTsm(tmp.resolve("absent")).report("x", new byte[64]));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConfigfsTsm(tmp).report("../etc", new byte[64]));
        assertThrows(IllegalArgumentException.class, () -> new ConfigfsTsm(tmp).report("x", new byte[32]));
    }

    @Test
    void malformedCertificateTablesAreRefused() {
        byte[] cert = {0x30, 0x03, 1, 2, 3};
        byte[] ok = SevSnpCertificateTable.encode(Map.of(SevSnpCertificateTable.VCEK, cert));
        assertThrows(AttestationException.class, () -> SevSnpCertificateTable.parse(new byte[10]));
        assertThrows(
                AttestationException.class, () -> SevSnpCertificateTable.parse(Arrays.copyOf(ok, 24))); // no terminator
        byte[] outside = ok.clone();
        ByteBuffer.wrap(outside).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 5000);
        assertThrows(AttestationException.class, () -> SevSnpCertificateTable.parse(outside));
        byte[] overlap = ok.clone();
        ByteBuffer.wrap(overlap).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 24);
        assertThrows(AttestationException.class, () -> SevSnpCertificateTable.parse(overlap));
        byte[] noLeaf = SevSnpCertificateTable.encode(Map.of(SevSnpCertificateTable.ASK, cert));
        AttestationException e = assertThrows(
                AttestationException.class,
                () -> SevSnpCertificateTable.parse(noLeaf).endorsements());
        assertTrue(e.getMessage().contains("neither a VCEK nor a VLEK"), e.getMessage());
    }
}
