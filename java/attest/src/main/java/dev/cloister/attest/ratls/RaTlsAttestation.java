package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationResult;
import dev.cloister.base.Bytes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An accepted RA-TLS peer: the attestation results of its CPU (and GPU) evidence, which key they vouch for, and how
 * the report was bound to this handshake.
 *
 * @param cpu the accepted CPU evidence (its REPORT_DATA committed to this handshake)
 * @param gpu the accepted GPU evidence (GPU 0), when the policy required one
 * @param spkiSha256 SHA-256 of the peer's TLS key (the key whose CertificateVerify this handshake checked)
 * @param certificateNotAfter end of the certificate's validity
 * @param batchSize 1 for a report made for this handshake alone, otherwise the number of handshakes sharing it
 * @param additionalGpus the accepted evidence of GPUs 1, 2, ... of a multi-GPU peer (empty for one GPU or none)
 */
public record RaTlsAttestation(
        AttestationResult cpu,
        Optional<AttestationResult> gpu,
        Bytes spkiSha256,
        Instant certificateNotAfter,
        long batchSize,
        List<AttestationResult> additionalGpus) {

    public RaTlsAttestation {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(certificateNotAfter, "certificateNotAfter");
        Objects.requireNonNull(spkiSha256, "spkiSha256");
        additionalGpus = List.copyOf(additionalGpus);
        if (gpu.isEmpty() && !additionalGpus.isEmpty()) {
            throw new IllegalArgumentException("more GPUs without a first GPU");
        }
    }

    /** A peer with at most one GPU. */
    public RaTlsAttestation(
            AttestationResult cpu,
            Optional<AttestationResult> gpu,
            Bytes spkiSha256,
            Instant certificateNotAfter,
            long batchSize) {
        this(cpu, gpu, spkiSha256, certificateNotAfter, batchSize, List.of());
    }

    /** The verdict and claims as a JSON-friendly map. */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", "accepted");
        m.put("tls_key_sha256", spkiSha256.hex());
        m.put("certificate_not_after", certificateNotAfter.toString());
        m.put("batch_size", batchSize);
        m.put("cpu", cpu.toJsonMap());
        gpu.ifPresent(g -> m.put("gpu", g.toJsonMap()));
        if (!additionalGpus.isEmpty()) {
            m.put(
                    "additional_gpus",
                    additionalGpus.stream().map(AttestationResult::toJsonMap).toList());
        }
        return m;
    }

    @Override
    public String toString() {
        return "RaTlsAttestation[key=" + spkiSha256.hex() + ", batch=" + batchSize + "]";
    }
}
