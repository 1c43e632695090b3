package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationResult;
import dev.cloister.base.Bytes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An accepted RA-TLS peer: the attestation results of its CPU (and GPU) evidence, which key they vouch for, and how
 * the report was bound to this handshake.
 *
 * @param cpu the accepted CPU evidence (its REPORT_DATA committed to this handshake)
 * @param gpu the accepted GPU evidence, when the policy required one
 * @param spkiSha256 SHA-256 of the peer's TLS key (the key whose CertificateVerify this handshake checked)
 * @param certificateNotAfter end of the certificate's validity
 * @param batchSize 1 for a report made for this handshake alone, otherwise the number of handshakes sharing it
 */
public record RaTlsAttestation(
        AttestationResult cpu,
        Optional<AttestationResult> gpu,
        Bytes spkiSha256,
        Instant certificateNotAfter,
        long batchSize) {

    public RaTlsAttestation {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(certificateNotAfter, "certificateNotAfter");
        Objects.requireNonNull(spkiSha256, "spkiSha256");
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
        return m;
    }

    @Override
    public String toString() {
        return "RaTlsAttestation[key=" + spkiSha256.hex() + ", batch=" + batchSize + "]";
    }
}
