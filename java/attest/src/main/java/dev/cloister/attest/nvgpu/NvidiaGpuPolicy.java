package dev.cloister.attest.nvgpu;

import dev.cloister.attest.Platform;
import dev.cloister.attest.Policy;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RevocationCheck;
import java.util.List;
import java.util.Objects;

/**
 * How to appraise NVIDIA GPU evidence.
 *
 * @param trustedRoots roots a device chain may end in (at least one)
 * @param nonce {@link ReferenceValue.Skip} or 32-byte {@link ReferenceValue.Digests}: the nonce the verifier sent
 *     (RA-TLS: the one the enclave committed to in its CPU report)
 * @param measurements whether the measurement blocks are compared with signed RIMs, and with which
 * @param ocsp whether OCSP responses for the device chain must come with the endorsements, and how old they may be
 */
public record NvidiaGpuPolicy(
        List<NvidiaRoot> trustedRoots, ReferenceValue nonce, Measurements measurements, RevocationCheck ocsp)
        implements Policy {

    /** Reference values for the measurement blocks. */
    public sealed interface Measurements {}

    /** Measurement blocks are deliberately not compared (genuine-hardware check only). */
    public record SkipMeasurements() implements Measurements {}

    /**
     * Every RIM (already verified with {@link NvidiaRim#verify}) must be for the report's driver or VBIOS version and
     * must match the report's blocks.
     */
    public record MatchRims(List<NvidiaRim> rims) implements Measurements {
        public MatchRims {
            rims = List.copyOf(rims);
            if (rims.isEmpty()) {
                throw new IllegalArgumentException("MatchRims needs at least one RIM (use SkipMeasurements to skip)");
            }
        }
    }

    /**
     * The RIMs of the report's driver version and of its VBIOS version must both be among these, and each of them must
     * match: every measured component is compared (what the enclave's start gate requires of its own GPUs). RIMs of
     * other versions (a fleet's other VBIOS versions) are not this GPU's and are not applied to it.
     */
    public record MatchDriverAndVbiosRims(List<NvidiaRim> rims) implements Measurements {
        public MatchDriverAndVbiosRims {
            rims = List.copyOf(rims);
            if (rims.size() < 2) {
                throw new IllegalArgumentException("a driver RIM and a VBIOS RIM are needed, got " + rims.size());
            }
        }
    }

    /**
     * The RIMs of the GPU models a release names: the report's driver and VBIOS measurements must match the driver RIM
     * of one model and one of that model's VBIOS RIMs (a fleet of one model mixes VBIOS versions, so a model may name
     * several). RIMs for other versions, or of other models, are not this GPU's and are not applied to it; a driver RIM
     * of one model with a VBIOS RIM of another is never a match.
     */
    public record MatchOneModel(List<ModelRims> models) implements Measurements {
        public MatchOneModel {
            models = List.copyOf(models);
            if (models.isEmpty()) {
                throw new IllegalArgumentException("MatchOneModel needs at least one GPU model's RIMs");
            }
        }
    }

    /**
     * One GPU model's RIMs, each already verified with {@link NvidiaRim#verify}: its driver RIM and one or more VBIOS
     * RIMs.
     */
    public record ModelRims(String model, NvidiaRim driver, List<NvidiaRim> vbios) {
        public ModelRims {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(driver, "driver");
            vbios = List.copyOf(vbios);
            if (vbios.isEmpty()) {
                throw new IllegalArgumentException("GPU model " + model + ": a VBIOS RIM is needed");
            }
        }
    }

    public NvidiaGpuPolicy {
        Objects.requireNonNull(trustedRoots, "trustedRoots");
        trustedRoots = List.copyOf(trustedRoots);
        if (trustedRoots.isEmpty()) {
            throw new IllegalArgumentException("a policy must trust at least one root");
        }
        Objects.requireNonNull(nonce, "nonce (use ReferenceValue.Skip to skip)");
        Objects.requireNonNull(measurements, "measurements (use SkipMeasurements to skip)");
        if (!(nonce instanceof ReferenceValue.Skip)
                && !(nonce instanceof ReferenceValue.Digests d && d.length() == 32)) {
            throw new IllegalArgumentException("nonce must be Skip or 32-byte Digests, got " + nonce);
        }
        Objects.requireNonNull(ocsp, "ocsp");
    }

    /**
     * Genuine NVIDIA evidence, nothing else required: the pinned Device Identity CA, nonce and measurements skipped,
     * OCSP responses checked when supplied (RA-TLS requires them).
     */
    public static NvidiaGpuPolicy genuineNvidia() {
        return new NvidiaGpuPolicy(
                List.of(NvidiaRoot.deviceIdentityCa()),
                new ReferenceValue.Skip(),
                new SkipMeasurements(),
                new RevocationCheck.CheckIfSupplied());
    }

    public NvidiaGpuPolicy withNonce(ReferenceValue n) {
        return new NvidiaGpuPolicy(trustedRoots, n, measurements, ocsp);
    }

    public NvidiaGpuPolicy withTrustedRoots(List<NvidiaRoot> roots) {
        return new NvidiaGpuPolicy(roots, nonce, measurements, ocsp);
    }

    public NvidiaGpuPolicy withMeasurements(Measurements m) {
        return new NvidiaGpuPolicy(trustedRoots, nonce, m, ocsp);
    }

    public NvidiaGpuPolicy withOcsp(RevocationCheck o) {
        return new NvidiaGpuPolicy(trustedRoots, nonce, measurements, o);
    }

    @Override
    public Platform platform() {
        return Platform.NVIDIA_GPU;
    }
}
