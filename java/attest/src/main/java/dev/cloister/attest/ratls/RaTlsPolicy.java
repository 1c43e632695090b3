package dev.cloister.attest.ratls;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a peer's RA-TLS certificate must prove (RA-TLS.md, "What the verifier checks"). Every field is explicit.
 *
 * @param cpu the SEV-SNP policy: trusted roots, TCB, and in {@code measurement} the releases accepted as peer
 *     (launch digests). Its {@code reportData} is replaced by the handshake binding at each handshake.
 * @param gpu whether GPU evidence is required, under which policy and how fresh
 * @param maxCertificateLifetime longest validity period a certificate may claim
 * @param clockSkew tolerance between the peers' clocks (validity and GPU refresh times)
 * @param batching whether a report shared by a batch of handshakes (Merkle path) is accepted
 */
public record RaTlsPolicy(
        SevSnpPolicy cpu, GpuRequirement gpu, Duration maxCertificateLifetime, Duration clockSkew, Batching batching) {

    /** Whether a peer must attest a GPU. */
    public sealed interface GpuRequirement {}

    /** The peer must not carry GPU evidence (a CPU-only enclave); a certificate that carries some is refused. */
    public record NoGpu() implements GpuRequirement {}

    /**
     * The peer must carry GPU evidence accepted by {@code policy} (its nonce is set per handshake) and refreshed no
     * longer than {@code maxAge} ago.
     */
    public record RequireGpu(NvidiaGpuPolicy policy, Duration maxAge) implements GpuRequirement {
        public RequireGpu {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive");
            }
        }
    }

    /** Whether batched reports are accepted. */
    public enum Batching {
        /** A report shared by several handshakes, with a verified Merkle path to this handshake's nonce, is accepted. */
        ACCEPT,
        /** Only a report bound to this handshake's nonce alone is accepted. */
        REFUSE
    }

    public RaTlsPolicy {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(maxCertificateLifetime, "maxCertificateLifetime");
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(batching, "batching");
        if (maxCertificateLifetime.isNegative() || maxCertificateLifetime.isZero() || clockSkew.isNegative()) {
            throw new IllegalArgumentException("maxCertificateLifetime > 0 and clockSkew ≥ 0");
        }
        if (cpu.measurement() instanceof ReferenceValue.Skip) {
            throw new IllegalArgumentException("an RA-TLS policy must name the accepted releases (cpu.measurement)");
        }
    }

    /**
     * A policy accepting the releases whose launch digests are listed, under {@code cpu}'s roots and TCB rules; 10
     * minute certificates, one minute of clock skew, batching accepted.
     */
    public static RaTlsPolicy acceptingReleases(SevSnpPolicy cpu, List<byte[]> launchDigests, GpuRequirement gpu) {
        return new RaTlsPolicy(
                cpu.withMeasurement(new ReferenceValue.Digests(launchDigests)),
                gpu,
                Duration.ofMinutes(10),
                Duration.ofMinutes(1),
                Batching.ACCEPT);
    }

    public RaTlsPolicy withBatching(Batching b) {
        return new RaTlsPolicy(cpu, gpu, maxCertificateLifetime, clockSkew, b);
    }

    public RaTlsPolicy withGpu(GpuRequirement g) {
        return new RaTlsPolicy(cpu, g, maxCertificateLifetime, clockSkew, batching);
    }
}
