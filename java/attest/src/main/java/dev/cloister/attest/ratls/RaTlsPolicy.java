package dev.cloister.attest.ratls;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RevocationCheck;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.base.Bytes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a peer's RA-TLS certificate must prove (RA-TLS.md, "What the verifier checks"). Every field is explicit.
 *
 * @param cpu the SEV-SNP policy: trusted roots, TCB, and in {@code measurement} the releases accepted as peer
 *     (launch digests). Its {@code reportData} is replaced by the handshake binding at each handshake. Unused (and
 *     its measurement unchecked) when {@code platforms} is {@link TdxOnly}.
 * @param gpu whether GPU evidence is required, under which policy and how fresh
 * @param maxCertificateLifetime longest validity period a certificate may claim
 * @param clockSkew tolerance between the peers' clocks (validity and GPU refresh times)
 * @param batching whether a report shared by a batch of handshakes (Merkle path) is accepted
 * @param platforms which CPU evidence is accepted: SEV-SNP reports under {@code cpu}, TDX quotes under a
 *     {@link TdxReleases}, or either
 */
public record RaTlsPolicy(
        SevSnpPolicy cpu,
        GpuRequirement gpu,
        Duration maxCertificateLifetime,
        Duration clockSkew,
        Batching batching,
        CpuPlatforms platforms) {

    /** Which CPU evidence a peer may present. */
    public sealed interface CpuPlatforms {}

    /** SEV-SNP reports, appraised under {@link RaTlsPolicy#cpu}; a TDX quote is refused. */
    public record SevSnpOnly() implements CpuPlatforms {}

    /** TDX quotes, appraised under {@code tdx}; an SEV-SNP report is refused. */
    public record TdxOnly(TdxReleases tdx) implements CpuPlatforms {
        public TdxOnly {
            Objects.requireNonNull(tdx, "tdx");
        }
    }

    /** SEV-SNP reports under {@link RaTlsPolicy#cpu} and TDX quotes under {@code tdx}. */
    public record SevSnpOrTdx(TdxReleases tdx) implements CpuPlatforms {
        public SevSnpOrTdx {
            Objects.requireNonNull(tdx, "tdx");
        }
    }

    /**
     * How a TDX quote is appraised: chained to a root {@code base} trusts, with Intel's PCS collateral the enclave
     * staples and a TCB status {@code base} accepts, its TD attributes and launch configuration (XFAM, MRCONFIGID,
     * MROWNER, MROWNERCONFIG) as {@code base} requires, and MRTD and RTMR0..2 those of one TDX platform of one of
     * {@code releases} ({@link TdxReleaseReferenceValues#appraise}). {@code base}'s REPORT_DATA, MRTD and RTMRs are
     * replaced at each handshake (the binding; each release in turn).
     *
     * @param base roots, TCB requirement, TD attributes and launch configuration; it must require a TCB status
     * @param releases the reference values of the accepted releases' TDX platforms (at least one)
     */
    public record TdxReleases(TdxPolicy base, List<TdxReleaseReferenceValues> releases) {
        public TdxReleases {
            Objects.requireNonNull(base, "base");
            releases = List.copyOf(releases);
            if (releases.isEmpty()) {
                throw new IllegalArgumentException("an RA-TLS policy for TDX must name the accepted releases");
            }
            if (!(base.tcb() instanceof TdxPolicy.TcbStatusIn t)) {
                throw new IllegalArgumentException(
                        "an RA-TLS policy for TDX must require a TCB status from Intel's collateral");
            }
            if (t.collateralMaxAge().isEmpty()) {
                // As for AMD's CRL: stapled collateral at most a week old unless the policy says otherwise.
                base = base.withTcb(t.withCollateralMaxAge(RevocationCheck.DEFAULT_MAX_AGE));
            }
        }
    }

    /** Whether a peer must attest a GPU. */
    public sealed interface GpuRequirement {}

    /** The peer must not carry GPU evidence (a CPU-only enclave); a certificate that carries some is refused. */
    public record NoGpu() implements GpuRequirement {}

    /**
     * The peer must carry the evidence of exactly {@code gpus} distinct GPUs, each accepted by {@code policy} (with
     * its own nonce, set per handshake) and refreshed no longer than {@code maxAge} ago, and each GPU's measurements
     * must match the RIMs {@code rims} asks for.
     *
     * @param gpus how many GPUs: fewer or more is refused
     */
    public record RequireGpu(NvidiaGpuPolicy policy, Duration maxAge, RimRequirement rims, GpuCount gpus)
            implements GpuRequirement {
        public RequireGpu {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(maxAge, "maxAge");
            Objects.requireNonNull(rims, "rims");
            Objects.requireNonNull(gpus, "gpus");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive");
            }
        }

        /** One GPU whose measurements match the RIMs {@code rims} asks for. */
        public RequireGpu(NvidiaGpuPolicy policy, Duration maxAge, RimRequirement rims) {
            this(policy, maxAge, rims, new Exactly(1));
        }

        /** One GPU, appraised by {@code policy} alone (its own measurement setting). */
        public RequireGpu(NvidiaGpuPolicy policy, Duration maxAge) {
            this(policy, maxAge, new PolicyRims());
        }

        public RequireGpu withRims(RimRequirement r) {
            return new RequireGpu(policy, maxAge, r, gpus);
        }

        /** This requirement for exactly {@code n} GPUs. */
        public RequireGpu withGpus(int n) {
            return withGpus(new Exactly(n));
        }

        public RequireGpu withGpus(GpuCount count) {
            return new RequireGpu(policy, maxAge, rims, count);
        }
    }

    /** How many GPUs a peer must attest. */
    public sealed interface GpuCount {}

    /** Exactly {@code gpus} (1 to {@link EvidenceBundle#MAX_GPUS}). */
    public record Exactly(int gpus) implements GpuCount {
        public Exactly {
            if (gpus < 1 || gpus > EvidenceBundle.MAX_GPUS) {
                throw new IllegalArgumentException(
                        "a GPU count from 1 to " + EvidenceBundle.MAX_GPUS + ", got " + gpus);
            }
        }
    }

    /**
     * What names the logged release a peer's CPU evidence matched, the key under which release GPU counts
     * ({@link ByRelease}) and RIMs ({@link PublishedRims}) are looked up: an SEV-SNP launch digest, or the four TDX
     * registers of one platform of one release. The two kinds never equal each other, so an SEV-SNP release's values
     * are never applied to a TD, nor a TDX release's to an SEV-SNP guest.
     */
    public sealed interface LaunchMeasurement {

        /** The size of a launch digest and of each TDX register (SHA-384). */
        int SIZE = 48;

        /** The launch measurement of accepted CPU evidence (SEV-SNP or TDX claims), if it has one. */
        static java.util.Optional<LaunchMeasurement> of(dev.cloister.attest.Claims claims) {
            return switch (claims) {
                case dev.cloister.attest.sevsnp.SevSnpClaims c ->
                    java.util.Optional.of(new SevSnpLaunch(Bytes.of(c.measurement())));
                case dev.cloister.attest.tdx.TdxClaims c ->
                    java.util.Optional.of(new TdxLaunch(
                            Bytes.of(c.quote().mrTd()),
                            Bytes.of(c.quote().rtmr(0)),
                            Bytes.of(c.quote().rtmr(1)),
                            Bytes.of(c.quote().rtmr(2))));
                default -> java.util.Optional.empty();
            };
        }

        /** For refusals: which kind of launch, and its value(s) in hex. */
        String describe();
    }

    /** An SEV-SNP guest's launch digest (MEASUREMENT), one per VM shape of a release. */
    public record SevSnpLaunch(Bytes launchDigest) implements LaunchMeasurement {
        public SevSnpLaunch {
            if (launchDigest.length() != SIZE) {
                throw new IllegalArgumentException(
                        "an SEV-SNP launch digest is 48 bytes, got " + launchDigest.length());
            }
        }

        @Override
        public String describe() {
            return "SEV-SNP launch " + launchDigest.hex();
        }
    }

    /**
     * A TD launched from one release on one host platform: the platform's MRTD and RTMR0 and the release's RTMR1 and
     * RTMR2 (never MRTD alone: every release on a platform shares its firmware, hence its MRTD).
     */
    public record TdxLaunch(Bytes mrtd, Bytes rtmr0, Bytes rtmr1, Bytes rtmr2) implements LaunchMeasurement {
        public TdxLaunch {
            for (Bytes r : List.of(mrtd, rtmr0, rtmr1, rtmr2)) {
                if (r.length() != SIZE) {
                    throw new IllegalArgumentException("a TDX register is 48 bytes, got " + r.length());
                }
            }
        }

        /** The launch a TD of {@code values}' release on its platform measures. */
        public static TdxLaunch of(TdxReleaseReferenceValues values) {
            return new TdxLaunch(
                    values.platform().mrtd(),
                    values.platform().rtmr0(),
                    values.runtime().rtmr1(),
                    values.runtime().rtmr2());
        }

        @Override
        public String describe() {
            return "TDX launch MRTD " + mrtd.hex() + ", RTMR0 " + rtmr0.hex() + ", RTMR1 " + rtmr1.hex() + ", RTMR2 "
                    + rtmr2.hex();
        }
    }

    /**
     * The GPU count of the release the peer's CPU evidence matched ({@code gpu_count} of the logged releases, keyed
     * by their {@link LaunchMeasurement}s: SEV-SNP launch digests, TDX platform and release registers); a launch the
     * map does not hold is refused.
     */
    public record ByRelease(java.util.Map<LaunchMeasurement, Integer> byLaunch) implements GpuCount {
        public ByRelease {
            byLaunch = java.util.Map.copyOf(byLaunch);
            if (byLaunch.isEmpty()) {
                throw new IllegalArgumentException("no release GPU count");
            }
            for (int n : byLaunch.values()) {
                if (n < 0 || n > EvidenceBundle.MAX_GPUS) {
                    throw new IllegalArgumentException("a release GPU count of " + n);
                }
            }
        }

        /** GPU counts of SEV-SNP releases, by launch digest. */
        public static ByRelease ofSevSnp(java.util.Map<Bytes, Integer> byLaunchDigest) {
            java.util.Map<LaunchMeasurement, Integer> m = new java.util.HashMap<>();
            byLaunchDigest.forEach((d, n) -> m.put(new SevSnpLaunch(d), n));
            return new ByRelease(m);
        }
    }

    /** Which RIMs the GPU measurements must match. */
    public sealed interface RimRequirement {}

    /** Those of the {@link NvidiaGpuPolicy}'s {@code measurements} (possibly none: a genuineness check only). */
    public record PolicyRims() implements RimRequirement {}

    /**
     * RIMs named by the releases the ledger vouches for: the client replaces this with {@link PublishedRims} once it
     * has verified the releases; a verifier that still sees it refuses (no release was applied).
     */
    public record FromLedger() implements RimRequirement {}

    /**
     * The SHA-384 digests of the RIMs a release names for one GPU model: its driver RIM and one or more VBIOS RIMs (a
     * fleet of one model mixes VBIOS versions).
     */
    public record ModelRimDigests(String model, Bytes driverRim, List<Bytes> vbiosRims) {
        public ModelRimDigests {
            Objects.requireNonNull(model, "model");
            vbiosRims = List.copyOf(vbiosRims);
            if (vbiosRims.isEmpty()) {
                throw new IllegalArgumentException("GPU model " + model + " names no VBIOS RIM");
            }
            for (Bytes d : concat(driverRim, vbiosRims)) {
                if (d.length() != 48) {
                    throw new IllegalArgumentException("a SHA-384 digest is 48 bytes, got " + d.length());
                }
            }
        }

        /** The driver RIM's digest, then the VBIOS RIMs'. */
        public List<Bytes> digests() {
            return concat(driverRim, vbiosRims);
        }

        private static List<Bytes> concat(Bytes first, List<Bytes> rest) {
            List<Bytes> all = new java.util.ArrayList<>(rest.size() + 1);
            all.add(first);
            all.addAll(rest);
            return all;
        }
    }

    /**
     * The peer staples signed RIMs ({@code gpu-rims}); each must verify under NVIDIA's RIM root, its SHA-384 must be one
     * the release the peer's CPU evidence matched names (not another release's), and each GPU's driver and VBIOS
     * measurements must match the driver RIM and one VBIOS RIM of one GPU model that release names.
     *
     * @param byLaunch per launch measurement of a logged release (SEV-SNP launch digest, or TDX platform and
     *     release registers), the RIMs that release names per GPU model (at least one release, each with at least one
     *     model)
     */
    public record PublishedRims(java.util.Map<LaunchMeasurement, List<ModelRimDigests>> byLaunch)
            implements RimRequirement {
        public PublishedRims {
            java.util.Map<LaunchMeasurement, List<ModelRimDigests>> copy = new java.util.HashMap<>();
            byLaunch.forEach((launch, models) -> copy.put(launch, List.copyOf(models)));
            byLaunch = java.util.Map.copyOf(copy);
            if (byLaunch.isEmpty()) {
                throw new IllegalArgumentException("no published RIM digest");
            }
            for (List<ModelRimDigests> models : byLaunch.values()) {
                if (models.isEmpty()) {
                    throw new IllegalArgumentException("a release with no published RIM digest");
                }
            }
        }

        /** RIMs of SEV-SNP releases, by launch digest. */
        public static PublishedRims ofSevSnp(java.util.Map<Bytes, List<ModelRimDigests>> byLaunchDigest) {
            java.util.Map<LaunchMeasurement, List<ModelRimDigests>> m = new java.util.HashMap<>();
            byLaunchDigest.forEach((d, models) -> m.put(new SevSnpLaunch(d), models));
            return new PublishedRims(m);
        }

        /** The RIMs of the release of {@code launch}, per GPU model, if a logged release of that launch names any. */
        java.util.Optional<List<ModelRimDigests>> of(LaunchMeasurement launch) {
            return java.util.Optional.ofNullable(byLaunch.get(launch));
        }

        /** Whether any logged release names {@code digest}. */
        boolean anyNames(byte[] digest) {
            return byLaunch.values().stream()
                    .flatMap(List::stream)
                    .flatMap(m -> m.digests().stream())
                    .anyMatch(d -> d.contentEquals(digest));
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
        Objects.requireNonNull(platforms, "platforms");
        if (maxCertificateLifetime.isNegative() || maxCertificateLifetime.isZero() || clockSkew.isNegative()) {
            throw new IllegalArgumentException("maxCertificateLifetime > 0 and clockSkew ≥ 0");
        }
        if (!(platforms instanceof TdxOnly) && cpu.measurement() instanceof ReferenceValue.Skip) {
            throw new IllegalArgumentException("an RA-TLS policy must name the accepted releases (cpu.measurement)");
        }
    }

    /**
     * A policy accepting the releases whose launch digests are listed, under {@code cpu}'s roots and TCB rules; 10
     * minute certificates, one minute of clock skew, batching accepted, and revocation status stapled by the peer
     * required: AMD's CRL for its product line and OCSP responses for its GPU chain, each issued at most
     * {@link RevocationCheck#DEFAULT_MAX_AGE} ago ({@link #withRevocation} states another age).
     */
    public static RaTlsPolicy acceptingReleases(SevSnpPolicy cpu, List<byte[]> launchDigests, GpuRequirement gpu) {
        return new RaTlsPolicy(
                        cpu.withMeasurement(new ReferenceValue.Digests(
                                launchDigests.stream().map(Bytes::of).toList())),
                        gpu,
                        Duration.ofMinutes(10),
                        Duration.ofMinutes(1),
                        Batching.ACCEPT,
                        new SevSnpOnly())
                .withRevocation(new RevocationCheck.Required());
    }

    /**
     * A policy accepting TDX quotes of the releases {@code tdx} names, and no SEV-SNP report; otherwise as
     * {@link #acceptingReleases} (10 minute certificates, one minute of skew, batching accepted, the GPU chain's OCSP
     * responses required).
     */
    public static RaTlsPolicy acceptingTdxReleases(TdxReleases tdx, GpuRequirement gpu) {
        return new RaTlsPolicy(
                        SevSnpPolicy.genuineAmd(),
                        gpu,
                        Duration.ofMinutes(10),
                        Duration.ofMinutes(1),
                        Batching.ACCEPT,
                        new TdxOnly(tdx))
                .withRevocation(new RevocationCheck.Required());
    }

    /** This policy with {@code p} as the accepted CPU platforms. */
    public RaTlsPolicy withPlatforms(CpuPlatforms p) {
        return new RaTlsPolicy(cpu, gpu, maxCertificateLifetime, clockSkew, batching, p);
    }

    /** This policy with {@code check} for both AMD's CRL (CPU) and the GPU chain's OCSP responses. */
    public RaTlsPolicy withRevocation(RevocationCheck check) {
        GpuRequirement g = switch (gpu) {
            case NoGpu n -> n;
            case RequireGpu r -> new RequireGpu(r.policy().withOcsp(check), r.maxAge(), r.rims(), r.gpus());
        };
        return new RaTlsPolicy(cpu.withCrl(check), g, maxCertificateLifetime, clockSkew, batching, platforms);
    }

    public RaTlsPolicy withBatching(Batching b) {
        return new RaTlsPolicy(cpu, gpu, maxCertificateLifetime, clockSkew, b, platforms);
    }

    public RaTlsPolicy withGpu(GpuRequirement g) {
        return new RaTlsPolicy(cpu, g, maxCertificateLifetime, clockSkew, batching, platforms);
    }
}
