package dev.cloister.attest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The REPORT_DATA that binds CPU evidence to one TLS handshake and one GPU report (DESIGN.md, "Attestation", step 4):
 * {@code SHA-512("cloister/ra-tls/v1" ‖ client_random ‖ SHA-256(SPKI) ‖ SHA-256(GPU evidence))}. The enclave puts it
 * in its report; the client passes it to the policy as the only allowed REPORT_DATA
 * ({@code SevSnpPolicy.withReportData(new ReferenceValue.Digests(List.of(binding)))}).
 */
public final class RaTlsBinding {

    static final byte[] LABEL = "cloister/ra-tls/v1".getBytes(StandardCharsets.US_ASCII);

    private RaTlsBinding() {}

    /**
     * @param clientRandom the 32-byte TLS ClientHello.random
     * @param subjectPublicKeyInfo the DER SubjectPublicKeyInfo of the server's TLS certificate key
     * @param gpuEvidence the GPU evidence bytes exactly as carried in the bundle (empty when there is no GPU)
     * @return 64 bytes
     */
    public static byte[] reportData(byte[] clientRandom, byte[] subjectPublicKeyInfo, byte[] gpuEvidence) {
        Objects.requireNonNull(clientRandom, "clientRandom");
        Objects.requireNonNull(subjectPublicKeyInfo, "subjectPublicKeyInfo");
        Objects.requireNonNull(gpuEvidence, "gpuEvidence");
        if (clientRandom.length != 32) {
            throw new IllegalArgumentException("TLS client_random is 32 bytes, got " + clientRandom.length);
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(LABEL);
            sha512.update(clientRandom);
            sha512.update(sha256.digest(subjectPublicKeyInfo));
            sha512.update(sha256.digest(gpuEvidence));
            return sha512.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 and SHA-512 are mandatory JDK algorithms", e);
        }
    }
}
