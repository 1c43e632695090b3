package dev.cloister.infer.nvml;

import dev.cloister.base.Bytes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code nvmlConfComputeGpuAttestationReport_t} as returned: the nonce the caller put in, the SPDM GET_MEASUREMENTS
 * request ‖ MEASUREMENTS response the GPU signed, and the CEC (Hopper's confidential-computing engine) report when one
 * is present.
 */
public record GpuAttestationReport(Bytes nonce, Bytes report, Optional<Bytes> cecReport) {

    public GpuAttestationReport {
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(cecReport, "cecReport");
    }

    @Override
    public String toString() {
        return "GpuAttestationReport[" + report.length() + " bytes, cec "
                + cecReport.map(c -> c.length() + " bytes").orElse("absent") + "]";
    }
}
