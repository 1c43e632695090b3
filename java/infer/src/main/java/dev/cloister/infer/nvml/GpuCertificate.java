package dev.cloister.infer.nvml;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@code nvmlConfComputeGpuCertificate_t}: the GPU's certificate chain and its attestation chain (PEM, leaf first:
 * the device certificate that signs the attestation report, up to NVIDIA's Device Identity CA).
 */
public record GpuCertificate(byte[] certChain, byte[] attestationCertChain) {

    public GpuCertificate {
        certChain = Objects.requireNonNull(certChain, "certChain").clone();
        attestationCertChain = Objects.requireNonNull(attestationCertChain, "attestationCertChain")
                .clone();
    }

    @Override
    public byte[] certChain() {
        return certChain.clone();
    }

    @Override
    public byte[] attestationCertChain() {
        return attestationCertChain.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuCertificate c
                && Arrays.equals(c.certChain, certChain)
                && Arrays.equals(c.attestationCertChain, attestationCertChain);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(attestationCertChain);
    }

    @Override
    public String toString() {
        return "GpuCertificate[" + certChain.length + " + " + attestationCertChain.length + " bytes]";
    }
}
