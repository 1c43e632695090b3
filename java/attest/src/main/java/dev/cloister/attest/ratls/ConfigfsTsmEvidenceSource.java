package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.platform.ConfigfsTsm;
import dev.cloister.attest.platform.TsmReport;
import dev.cloister.attest.sevsnp.SevSnpCertificateTable;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.base.Bytes;
import dev.cloister.base.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link EvidenceSource} over Linux configfs-tsm on an SEV-SNP guest ({@code sev_guest}) or a TDX guest
 * ({@code tdx_guest}: the quote, with Intel's PCS collateral from a directory): each CPU report is written and read
 * through one configfs entry, one at a time. The endorsements are the VCEK, ASK and ARK the host installed (the extended
 * report's certificate table, {@code auxblob}), or, when the host installed none, the PEM chain given at construction
 * (the VCEK fetched from AMD KDS for this chip and TCB, then ASK and ARK). No GPU evidence yet (NVML is not wired):
 * a policy that requires a GPU refuses this source's certificates.
 *
 * <p>AMD's CRL for the product line is stapled when a file is configured: it is read again for each report, so a job
 * outside the enclave can replace it with KDS's current one ({@code /vcek/v1/<product>/crl}); the file is untrusted
 * (the client checks the ARK's signature and the CRL's age), and a missing or oversized file fails the report.
 */
public final class ConfigfsTsmEvidenceSource implements EvidenceSource {

    private final ConfigfsTsm tsm;
    private final String entryName;
    private final Optional<byte[]> fallbackChainPem;
    private final Optional<java.nio.file.Path> crlFile;
    private final Optional<java.nio.file.Path> tdxCollateralDir;

    /**
     * @param entryName the configfs entry this process owns (e.g. "cloister-ra-tls")
     * @param fallbackChainPem VCEK ‖ ASK ‖ ARK in PEM for hosts that install no certificates, or empty
     */
    public ConfigfsTsmEvidenceSource(ConfigfsTsm tsm, String entryName, Optional<byte[]> fallbackChainPem) {
        this(tsm, entryName, fallbackChainPem, Optional.empty());
    }

    /**
     * @param crlFile AMD's CRL for this product line (DER), stapled to every report; empty: none (clients that require
     *     one refuse this enclave)
     */
    public ConfigfsTsmEvidenceSource(
            ConfigfsTsm tsm,
            String entryName,
            Optional<byte[]> fallbackChainPem,
            Optional<java.nio.file.Path> crlFile) {
        this(tsm, entryName, fallbackChainPem, crlFile, Optional.empty());
    }

    /**
     * @param tdxCollateralDir on a TDX guest: Intel's PCS collateral for this platform's FMSPC, the six files of
     *     {@link TdxCollateral#fromDirectory}, read again for each quote (a job outside the enclave refreshes them);
     *     empty: a quote fails (clients require a TCB status, which only the collateral establishes)
     */
    public ConfigfsTsmEvidenceSource(
            ConfigfsTsm tsm,
            String entryName,
            Optional<byte[]> fallbackChainPem,
            Optional<java.nio.file.Path> crlFile,
            Optional<java.nio.file.Path> tdxCollateralDir) {
        this.tdxCollateralDir = Objects.requireNonNull(tdxCollateralDir, "tdxCollateralDir");
        this.tsm = Objects.requireNonNull(tsm, "tsm");
        this.entryName = Objects.requireNonNull(entryName, "entryName");
        this.fallbackChainPem =
                Objects.requireNonNull(fallbackChainPem, "fallbackChainPem").map(byte[]::clone);
        this.crlFile = Objects.requireNonNull(crlFile, "crlFile");
    }

    private Optional<EvidenceBundle.Entry> stapledCrl() throws IOException {
        if (crlFile.isEmpty()) {
            return Optional.empty();
        }
        java.nio.file.Path f = crlFile.get();
        long size = java.nio.file.Files.size(f);
        if (size > EvidenceBundle.MAX_VALUE) {
            throw new IOException(
                    "the AMD CRL file " + f + " holds " + size + " bytes, more than " + EvidenceBundle.MAX_VALUE);
        }
        return Optional.of(EvidenceBundle.crl(java.nio.file.Files.readAllBytes(f)));
    }

    @Override
    public Optional<GpuEvidence> currentGpuEvidence() {
        return Optional.empty();
    }

    @Override
    public synchronized CpuEvidence cpuReport(byte[] reportData) throws IOException {
        TsmReport r;
        try {
            r = tsm.report(entryName, reportData);
        } catch (AttestationException e) {
            throw new IOException(e.getMessage(), e);
        }
        if ("tdx_guest".equals(r.provider())) {
            return tdxQuote(r);
        }
        if (!"sev_guest".equals(r.provider())) {
            throw new IOException("configfs-tsm provider " + r.provider() + ": neither sev_guest nor tdx_guest");
        }
        byte[] chain;
        if (r.auxblob().isPresent()) {
            try {
                chain = pem(SevSnpCertificateTable.parse(r.auxblob().get().toByteArray())
                        .endorsements());
            } catch (AttestationException e) {
                throw new IOException("while reading the host's certificate table: " + e.getMessage(), e);
            }
        } else {
            chain = fallbackChainPem
                    .orElseThrow(
                            () -> new IOException("the host installed no VCEK and no fallback chain was configured"))
                    .clone();
        }
        return new CpuEvidence(
                new EvidenceBundle.Entry(EvidenceBundle.SEV_SNP_REPORT, r.outblob()),
                new EvidenceBundle.Entry(EvidenceBundle.PEM_CHAIN, Bytes.of(chain)),
                Optional.empty(),
                stapledCrl());
    }

    /** A TD quote ({@code outblob}) with the PCS collateral of {@code tdxCollateralDir}. */
    private CpuEvidence tdxQuote(TsmReport r) throws IOException {
        java.nio.file.Path dir = tdxCollateralDir.orElseThrow(() -> new IOException(
                "configfs-tsm provider tdx_guest: a TDX quote needs Intel's PCS collateral, and no collateral "
                        + "directory was configured"));
        TdxCollateral collateral = TdxCollateral.fromDirectory(dir);
        return new CpuEvidence(
                new EvidenceBundle.Entry(EvidenceBundle.TDX_QUOTE, r.outblob()),
                EvidenceBundle.tdxCollateral(collateral.parts()),
                Optional.empty(),
                Optional.empty());
    }

    static byte[] pem(SevSnpEndorsements e) {
        List<byte[]> certificates = new ArrayList<>();
        certificates.add(e.signingCertificate());
        certificates.addAll(e.chain());
        return Pem.encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "ConfigfsTsmEvidenceSource[" + entryName + "]";
    }
}
