package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationResult;
import dev.cloister.base.Bytes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An accepted RA-TLS peer: the attestation results of its CPU (and GPU) evidence, which key they vouch for, and how
 * the report was bound to this handshake.
 *
 * @param cpu the accepted CPU evidence (its REPORT_DATA committed to this handshake)
 * @param gpus the accepted evidence of every GPU, GPU 0 first, when the policy required GPUs (empty for a CPU-only
 *     peer)
 * @param spkiSha256 SHA-256 of the peer's TLS key (the key whose CertificateVerify this handshake checked)
 * @param certificateNotAfter end of the certificate's validity
 * @param batchSize 1 for a report made for this handshake alone, otherwise the number of handshakes sharing it
 */
public record RaTlsAttestation(
        AttestationResult cpu,
        List<AttestationResult> gpus,
        Bytes spkiSha256,
        Instant certificateNotAfter,
        long batchSize) {

    public RaTlsAttestation {
        Objects.requireNonNull(cpu, "cpu");
        gpus = List.copyOf(gpus);
        Objects.requireNonNull(certificateNotAfter, "certificateNotAfter");
        Objects.requireNonNull(spkiSha256, "spkiSha256");
    }

    /** The verdict and claims as a JSON-friendly map (GPU 0 under {@code gpu}, the others under {@code additional_gpus}). */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", "accepted");
        m.put("tls_key_sha256", spkiSha256.hex());
        m.put("certificate_not_after", certificateNotAfter.toString());
        m.put("batch_size", batchSize);
        m.put("cpu", cpu.toJsonMap());
        if (!gpus.isEmpty()) {
            m.put("gpu", gpus.getFirst().toJsonMap());
        }
        if (gpus.size() > 1) {
            m.put(
                    "additional_gpus",
                    gpus.subList(1, gpus.size()).stream()
                            .map(AttestationResult::toJsonMap)
                            .toList());
        }
        return m;
    }

    @Override
    public String toString() {
        return "RaTlsAttestation[key=" + spkiSha256.hex() + ", batch=" + batchSize + "]";
    }
}
