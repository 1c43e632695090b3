package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.platform.ConfigfsTsm;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sim.SimulatedReportRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configfs-tsm source turns a guest's report and the host's certificate table into verifiable bundle entries. */
class ConfigfsTsmEvidenceSourceTest {

    /** A configfs entry as the sev-guest driver leaves it after a report for {@code reportData}. */
    static Path entry(Path root, byte[] reportData, String provider, boolean withTable) throws IOException {
        Path entry = Files.createDirectories(root.resolve("cloister-ra-tls"));
        Files.write(
                entry.resolve("outblob"),
                RaTlsFixture.cpu()
                        .report(SimulatedReportRequest.of(reportData, RaTlsFixture.RELEASE))
                        .report());
        if (withTable) {
            Files.write(entry.resolve("auxblob"), RaTlsFixture.cpu().certificateTable());
        }
        Files.writeString(entry.resolve("provider"), provider + "\n");
        Files.writeString(entry.resolve("generation"), "1\n");
        return entry;
    }

    @Test
    void reportAndHostCertificatesVerify(@TempDir Path root) throws Exception {
        byte[] reportData = RaTlsFixture.filled(64, 0x33);
        entry(root, reportData, "sev_guest", true);
        EvidenceSource.CpuEvidence e = new ConfigfsTsmEvidenceSource(
                        new ConfigfsTsm(root), "cloister-ra-tls", Optional.empty())
                .cpuReport(reportData);
        SevSnpClaims claims = (SevSnpClaims) RaTlsFixture.VERIFIER
                .verify(
                        java.time.Instant.now(),
                        SevSnpEvidence.of(e.report().value().toByteArray()),
                        RaTlsVerifier.cpuEndorsements(e.endorsements().value().toByteArray()),
                        RaTlsFixture.simulatedCpu().withReportData(ReferenceValue.Digests.of(reportData)))
                .claims();
        assertArrayEquals(RaTlsFixture.RELEASE, claims.measurement());
    }

    @Test
    void otherProvidersAndMissingCertificatesAreClearErrors(@TempDir Path root) throws Exception {
        byte[] reportData = new byte[64];
        entry(root, reportData, "tdx_guest", true);
        IOException tdx = assertThrows(
                IOException.class,
                () -> new ConfigfsTsmEvidenceSource(new ConfigfsTsm(root), "cloister-ra-tls", Optional.empty())
                        .cpuReport(reportData));
        assertTrue(tdx.getMessage().contains("tdx_guest"), tdx.getMessage());

        Path bare = Files.createDirectories(root.resolve("bare"));
        entry(bare, reportData, "sev_guest", false);
        IOException none = assertThrows(
                IOException.class,
                () -> new ConfigfsTsmEvidenceSource(new ConfigfsTsm(bare), "cloister-ra-tls", Optional.empty())
                        .cpuReport(reportData));
        assertTrue(none.getMessage().contains("no VCEK"), none.getMessage());
        byte[] chain = ConfigfsTsmEvidenceSource.pem(RaTlsFixture.cpu().endorsements());
        assertArrayEquals(
                chain,
                new ConfigfsTsmEvidenceSource(new ConfigfsTsm(bare), "cloister-ra-tls", Optional.of(chain))
                        .cpuReport(reportData)
                        .endorsements()
                        .value()
                        .toByteArray());
    }
}
