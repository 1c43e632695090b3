package dev.cloister.infer.nvml;

import dev.cloister.base.Bytes;
import java.util.Objects;

/**
 * {@code nvmlConfComputeGpuCertificate_t}: the GPU's certificate chain and its attestation chain (PEM, leaf first:
 * the device certificate that signs the attestation report, up to NVIDIA's Device Identity CA).
 */
public record GpuCertificate(Bytes certChain, Bytes attestationCertChain) {

    public GpuCertificate {
        Objects.requireNonNull(certChain, "certChain");
        Objects.requireNonNull(attestationCertChain, "attestationCertChain");
    }

    @Override
    public String toString() {
        return "GpuCertificate[" + certChain.length() + " + " + attestationCertChain.length() + " bytes]";
    }
}
