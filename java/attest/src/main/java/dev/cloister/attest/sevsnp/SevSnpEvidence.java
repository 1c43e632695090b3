package dev.cloister.attest.sevsnp;

import dev.cloister.attest.Evidence;
import dev.cloister.attest.Platform;
import java.util.Objects;

/**
 * SEV-SNP evidence: one ATTESTATION_REPORT as the firmware returned it (configfs-tsm {@code outblob}, or
 * {@code /dev/sev-guest} SNP_GET_REPORT). Held as bytes: nothing is parsed before verification.
 */
public final class SevSnpEvidence implements Evidence {

    private final byte[] report;

    private SevSnpEvidence(byte[] report) {
        this.report = report;
    }

    public static SevSnpEvidence of(byte[] report) {
        return new SevSnpEvidence(Objects.requireNonNull(report, "report").clone());
    }

    public byte[] report() {
        return report.clone();
    }

    byte[] reportNoCopy() {
        return report;
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }
}
