package dev.cloister.attest.ratls;

import dev.cloister.base.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;

/**
 * When the enclave last refreshed its GPU evidence, and the salt it used. The GPU report's SPDM request nonce is
 * {@code SHA-256("cloister/ra-tls/gpu-nonce/v1" ‖ uint64_be(refreshed_at_ms) ‖ salt)}, so a verifier that recomputes
 * the nonce knows the report was requested at {@code refreshedAt} (by the attested enclave, whose CPU report commits
 * to the GPU evidence) and can refuse evidence older than its policy allows.
 *
 * @param refreshedAt milliseconds since the epoch (sub-millisecond precision is dropped)
 * @param salt 32 random bytes chosen by the enclave at refresh
 */
public record GpuFreshness(Instant refreshedAt, Bytes salt) {

    static final byte[] LABEL = "cloister/ra-tls/gpu-nonce/v1".getBytes(StandardCharsets.US_ASCII);
    public static final int SALT_LENGTH = 32;

    public GpuFreshness {
        Objects.requireNonNull(refreshedAt, "refreshedAt");
        Objects.requireNonNull(salt, "salt");
        if (salt.length() != SALT_LENGTH) {
            throw new IllegalArgumentException("GPU nonce salt is 32 bytes, got " + salt.length());
        }
        if (refreshedAt.toEpochMilli() < 0) {
            throw new IllegalArgumentException("GPU refresh time before 1970");
        }
        refreshedAt = Instant.ofEpochMilli(refreshedAt.toEpochMilli());
    }

    /** The 32-byte SPDM request nonce of the GPU report refreshed at this time with this salt (GPU 0). */
    public byte[] nonce() {
        return nonce(0);
    }

    /**
     * The 32-byte SPDM request nonce of GPU {@code gpu}'s report refreshed at this time with this salt.
     *
     * @param gpu 0 to {@code EvidenceBundle.MAX_GPUS - 1}
     */
    public byte[] nonce(int gpu) {
        if (gpu < 0 || gpu > 0xff) {
            throw new IllegalArgumentException("GPU number " + gpu + " out of range");
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            sha256.update(
                    ByteBuffer.allocate(8).putLong(refreshedAt.toEpochMilli()).array());
            salt.updateDigest(sha256);
            if (gpu > 0) {
                sha256.update((byte) gpu);
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    @Override
    public String toString() {
        return "GpuFreshness[refreshedAt=" + refreshedAt + "]";
    }
}
