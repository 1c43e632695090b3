package dev.cloister.attest.sevsnp;

import dev.cloister.attest.Claims;
import dev.cloister.attest.Platform;
import dev.cloister.attest.RootKind;
import dev.cloister.base.Hex;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a verified SEV-SNP report establishes. {@code tcb} is the VCEK certificate's TCB (equal to the report's
 * REPORTED_TCB, which the verifier checked); the other TCB fields are as reported.
 *
 * @param product the product line of the trusted root the chain ended in
 * @param root VENDOR (AMD) or SIMULATED
 * @param arkSha256 fingerprint of that root
 * @param signingKey VCEK or VLEK
 * @param signingCertSha256 fingerprint of the VCEK/VLEK certificate
 * @param vcekProductName the certificate's productName extension
 * @param report the verified report (all of its fields are signed)
 * @param tcb the TCB from the certificate
 */
public record SevSnpClaims(
        ProductLine product,
        RootKind root,
        String arkSha256,
        SigningKey signingKey,
        String signingCertSha256,
        String vcekProductName,
        AttestationReport report,
        TcbVersion tcb)
        implements Claims {

    public byte[] measurement() {
        return report.measurement();
    }

    public byte[] reportData() {
        return report.reportData();
    }

    public byte[] hostData() {
        return report.hostData();
    }

    public GuestPolicy policy() {
        return report.policy();
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }

    @Override
    public Map<String, Object> toJsonMap() {
        TcbLayout layout = tcb.layout();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("product", product.kdsName());
        j.put("root", root.name().toLowerCase(java.util.Locale.ROOT));
        j.put("ark_sha256", arkSha256);
        j.put("signing_key", signingKey.name());
        j.put("signing_cert_sha256", signingCertSha256);
        j.put("vcek_product_name", vcekProductName);
        j.put("report_version", report.version());
        j.put("guest_svn", report.guestSvn());
        j.put("policy", report.policy().toJsonMap());
        j.put("vmpl", report.vmpl());
        j.put("measurement", Hex.format(report.measurement()));
        j.put("report_data", Hex.format(report.reportData()));
        j.put("host_data", Hex.format(report.hostData()));
        j.put("family_id", Hex.format(report.familyId()));
        j.put("image_id", Hex.format(report.imageId()));
        j.put("id_key_digest", Hex.format(report.idKeyDigest()));
        j.put("author_key_digest", Hex.format(report.authorKeyDigest()));
        j.put("report_id", Hex.format(report.reportId()));
        j.put("report_id_ma", Hex.format(report.reportIdMa()));
        j.put("chip_id", Hex.format(report.chipId()));
        j.put("tcb", tcb.toJsonMap());
        j.put("current_tcb", layout.decode(report.currentTcbRaw()).toJsonMap());
        j.put("committed_tcb", layout.decode(report.committedTcbRaw()).toJsonMap());
        j.put("launch_tcb", layout.decode(report.launchTcbRaw()).toJsonMap());
        j.put("platform_info", String.format("0x%x", report.platformInfo()));
        j.put("smt_enabled", report.smtEnabled());
        j.put("current_version", report.currentVersion());
        j.put("committed_version", report.committedVersion());
        if (report.version() >= 3) {
            j.put(
                    "cpuid",
                    String.format(
                            "family 0x%02x model 0x%02x stepping 0x%x",
                            report.cpuidFamily(), report.cpuidModel(), report.cpuidStepping()));
        }
        if (report.version() >= 5) {
            j.put("launch_mit_vector", String.format("0x%x", report.launchMitVector()));
            j.put("current_mit_vector", String.format("0x%x", report.currentMitVector()));
        }
        return j;
    }
}
