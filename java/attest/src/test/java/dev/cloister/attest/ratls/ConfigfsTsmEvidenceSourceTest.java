package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.platform.ConfigfsTsm;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sim.SimulatedReportRequest;
import dev.cloister.base.Bytes;
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
    void aConfiguredCrlFileIsStapledAndReadAgainForEachReport(@TempDir Path root) throws Exception {
        byte[] reportData = RaTlsFixture.filled(64, 0x44);
        entry(root, reportData, "sev_guest", true);
        Path crl = root.resolve("amd.crl");
        java.time.Instant now = java.time.Instant.now();
        Files.write(crl, RaTlsFixture.cpu().crl(now, false, false));
        ConfigfsTsmEvidenceSource source = new ConfigfsTsmEvidenceSource(
                new ConfigfsTsm(root), "cloister-ra-tls", Optional.empty(), Optional.of(crl));
        EvidenceSource.CpuEvidence e = source.cpuReport(reportData);
        assertArrayEquals(Files.readAllBytes(crl), e.crl().orElseThrow().value().toByteArray());
        // Verified as a client requires it: the CRL under the (simulated) ARK, at most 7 days old.
        RaTlsFixture.VERIFIER.verify(
                now,
                SevSnpEvidence.of(e.report().value().toByteArray()),
                RaTlsVerifier.cpuEndorsements(e.endorsements().value().toByteArray())
                        .withCrl(e.crl().orElseThrow().value().toByteArray()),
                RaTlsFixture.simulatedCpu()
                        .withReportData(new ReferenceValue.Digests(java.util.List.of(Bytes.of(reportData))))
                        .withCrl(new dev.cloister.attest.RevocationCheck.Required()));
        // Replaced from outside: the next report staples the new file.
        byte[] revoking = RaTlsFixture.cpu().crl(now, false, true);
        Files.write(crl, revoking);
        assertArrayEquals(
                revoking,
                source.cpuReport(reportData).crl().orElseThrow().value().toByteArray());
        // A missing file fails the report rather than stapling nothing.
        Files.delete(crl);
        assertThrows(IOException.class, () -> source.cpuReport(reportData));
        // Without a file nothing is stapled.
        assertTrue(new ConfigfsTsmEvidenceSource(new ConfigfsTsm(root), "cloister-ra-tls", Optional.empty())
                .cpuReport(reportData)
                .crl()
                .isEmpty());
    }

    @Test
    void otherProvidersAndMissingCertificatesAreClearErrors(@TempDir Path root) throws Exception {
        byte[] reportData = new byte[64];
        entry(root, reportData, "tdx_guest", true);
        IOException tdx = assertThrows(
                IOException.class,
                () -> new ConfigfsTsmEvidenceSource(new ConfigfsTsm(root), "cloister-ra-tls", Optional.empty())
                        .cpuReport(reportData));
        assertTrue(tdx.getMessage().contains("tdx_guest") && tdx.getMessage().contains("collateral"), tdx.getMessage());

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

    @Test
    void aTdxGuestQuoteComesWithTheCollateralOfItsDirectory(@TempDir Path root) throws Exception {
        byte[] reportData = RaTlsFixture.filled(64, 0x55);
        dev.cloister.attest.sim.SimulatedTdxPlatform tdx = dev.cloister.attest.sim.SimulatedTdxPlatform.openOrCreate(
                Path.of("target", "ratls-sim"), java.time.Instant.now(), RaTlsFixture.RANDOM);
        Path entry = Files.createDirectories(root.resolve("cloister-ra-tls"));
        byte[] quote = tdx.quote(
                        reportData,
                        RaTlsFixture.RELEASE,
                        java.util.List.of(new byte[48], new byte[48], new byte[48], new byte[48]),
                        false)
                .quote();
        Files.write(entry.resolve("outblob"), quote);
        Files.writeString(entry.resolve("provider"), "tdx_guest\n");
        Files.writeString(entry.resolve("generation"), "1\n");
        Path collateral = root.resolve("collateral");
        tdx.collateral(java.time.Instant.now(), dev.cloister.attest.tdx.TcbStatus.UP_TO_DATE, false)
                .writeTo(collateral);
        EvidenceSource.CpuEvidence e = new ConfigfsTsmEvidenceSource(
                        new ConfigfsTsm(root),
                        "cloister-ra-tls",
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(collateral))
                .cpuReport(reportData);
        assertArrayEquals(quote, e.report().value().toByteArray());
        assertTrue(e.crl().isEmpty());
        dev.cloister.attest.bundle.EvidenceBundle bundle = EnclaveIdentity.bundle(e, Optional.empty());
        dev.cloister.attest.tdx.TdxClaims claims = (dev.cloister.attest.tdx.TdxClaims) RaTlsFixture.VERIFIER
                .verify(
                        java.time.Instant.now(),
                        dev.cloister.attest.tdx.TdxEvidence.of(
                                bundle.cpu().value().toByteArray()),
                        dev.cloister.attest.tdx.TdxEndorsements.withCollateral(
                                dev.cloister.attest.tdx.TdxCollateral.ofParts(bundle.tdxCollateralParts())),
                        tdx.insecurePolicy()
                                .withTcb(dev.cloister.attest.tdx.TdxPolicy.TcbStatusIn.upToDate())
                                .withReportData(ReferenceValue.Digests.of(reportData)))
                .claims();
        assertArrayEquals(RaTlsFixture.RELEASE, claims.quote().mrTd());
        // A collateral file gone missing fails the quote rather than stapling less.
        Files.delete(collateral.resolve(dev.cloister.attest.tdx.TdxCollateral.PCK_CRL));
        assertThrows(
                IOException.class,
                () -> new ConfigfsTsmEvidenceSource(
                                new ConfigfsTsm(root),
                                "cloister-ra-tls",
                                Optional.empty(),
                                Optional.empty(),
                                Optional.of(collateral))
                        .cpuReport(reportData));
    }
}
