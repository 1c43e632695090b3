package dev.cloister.infer.nvml;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code nvmlConfComputeGpuAttestationReport_t} as returned: the nonce the caller put in, the SPDM GET_MEASUREMENTS
 * request ‖ MEASUREMENTS response the GPU signed, and the CEC (Hopper's confidential-computing engine) report when one
 * is present.
 */
public record GpuAttestationReport(byte[] nonce, byte[] report, Optional<byte[]> cecReport) {

    public GpuAttestationReport {
        nonce = Objects.requireNonNull(nonce, "nonce").clone();
        report = Objects.requireNonNull(report, "report").clone();
        cecReport = Objects.requireNonNull(cecReport, "cecReport").map(byte[]::clone);
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] report() {
        return report.clone();
    }

    @Override
    public Optional<byte[]> cecReport() {
        return cecReport.map(byte[]::clone);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuAttestationReport r
                && java.util.Arrays.equals(r.nonce, nonce)
                && java.util.Arrays.equals(r.report, report)
                && cecReport.isPresent() == r.cecReport.isPresent()
                && (cecReport.isEmpty() || java.util.Arrays.equals(cecReport.get(), r.cecReport.get()));
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(report);
    }

    @Override
    public String toString() {
        return "GpuAttestationReport[" + report.length + " bytes, cec "
                + cecReport.map(c -> c.length + " bytes").orElse("absent") + "]";
    }
}
