package dev.cloister.attest.nvgpu;

import dev.cloister.attest.Evidence;
import dev.cloister.attest.Platform;
import dev.cloister.base.Hex;
import java.util.Objects;

/**
 * NVIDIA Hopper CC GPU evidence: the attestation report as NVML returns it
 * ({@code nvmlDeviceGetConfComputeGpuAttestationReport}: the SPDM GET_MEASUREMENTS request ‖ MEASUREMENTS response).
 */
public final class NvidiaGpuEvidence implements Evidence {

    private final byte[] report;

    private NvidiaGpuEvidence(byte[] report) {
        this.report = report;
    }

    public static NvidiaGpuEvidence of(byte[] report) {
        return new NvidiaGpuEvidence(Objects.requireNonNull(report, "report").clone());
    }

    /** From the one-line hex form NVIDIA's tools write (whitespace ignored). */
    public static NvidiaGpuEvidence ofHex(String hex) {
        return of(Hex.parse(hex.replaceAll("\\s", "")));
    }

    public byte[] report() {
        return report.clone();
    }

    byte[] reportNoCopy() {
        return report;
    }

    @Override
    public Platform platform() {
        return Platform.NVIDIA_GPU;
    }
}
