package dev.cloister.attest.ratls;

import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.tdx.TdxPolicy;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which CPU TEEs a verifier accepts before it knows the releases ({@code --cpu-platform sev-snp|tdx|any}): SEV-SNP
 * reports, TDX quotes under a TDX platform policy, or either. With the accepted releases' reference values it becomes
 * an RA-TLS policy's {@link RaTlsPolicy.CpuPlatforms} ({@link #policy}); nothing else maps one to the other.
 */
public sealed interface AcceptedCpuPlatforms {

    /** The option that names the choice on a verifier's command line. */
    String OPTION = "--cpu-platform";

    /** SEV-SNP reports only; a TDX quote is refused. The default. */
    record SevSnp() implements AcceptedCpuPlatforms {}

    /**
     * TDX quotes only, under {@code base}; an SEV-SNP report is refused even when a release names its launch digest.
     *
     * @param base roots, a required TCB status from Intel's collateral, TD attributes, launch configuration
     */
    record Tdx(TdxPolicy base) implements AcceptedCpuPlatforms {
        public Tdx {
            requireTcbStatus(base);
        }
    }

    /**
     * SEV-SNP reports, and TDX quotes under {@code base}.
     *
     * @param base roots, a required TCB status from Intel's collateral, TD attributes, launch configuration
     */
    record SevSnpOrTdx(TdxPolicy base) implements AcceptedCpuPlatforms {
        public SevSnpOrTdx {
            requireTcbStatus(base);
        }
    }

    /** What {@code --cpu-platform} names, before the TDX platform policy is known. */
    enum Choice {
        SEV_SNP("sev-snp"),
        TDX("tdx"),
        ANY("any");

        private final String value;

        Choice(String value) {
            this.value = value;
        }

        /** The choice {@code value} names ({@code sev-snp}, {@code tdx} or {@code any}), if any. */
        public static Optional<Choice> named(String value) {
            for (Choice c : values()) {
                if (c.value.equals(value)) return Optional.of(c);
            }
            return Optional.empty();
        }

        public boolean acceptsSevSnp() {
            return this != TDX;
        }

        public boolean acceptsTdx() {
            return this != SEV_SNP;
        }

        /**
         * The accepted platforms this choice names, TDX quotes appraised under {@code tdxBase}; an SEV-SNP-only choice
         * does not consult it (it may be empty only then).
         */
        public AcceptedCpuPlatforms with(Optional<TdxPolicy> tdxBase) {
            return switch (this) {
                case SEV_SNP -> new SevSnp();
                case TDX -> new Tdx(tdxBase.orElseThrow(() -> new IllegalArgumentException("tdx: no TDX policy")));
                case ANY ->
                    new SevSnpOrTdx(tdxBase.orElseThrow(() -> new IllegalArgumentException("any: no TDX policy")));
            };
        }

        @Override
        public String toString() {
            return value;
        }
    }

    /** The name of this choice on the command line. */
    default Choice choice() {
        return switch (this) {
            case SevSnp s -> Choice.SEV_SNP;
            case Tdx t -> Choice.TDX;
            case SevSnpOrTdx t -> Choice.ANY;
        };
    }

    /** The TDX platform policy, when TDX quotes are accepted. */
    default Optional<TdxPolicy> tdx() {
        return switch (this) {
            case SevSnp s -> Optional.empty();
            case Tdx t -> Optional.of(t.base());
            case SevSnpOrTdx t -> Optional.of(t.base());
        };
    }

    default boolean acceptsSevSnp() {
        return choice().acceptsSevSnp();
    }

    /**
     * The RA-TLS policy (10 minute certificates, one minute of skew, batching accepted, stapled revocation status
     * required: {@link RaTlsPolicy#acceptingReleases}) that accepts the {@code sevSnp} launch digests under {@code cpu}
     * and the {@code tdx} releases' TDX platforms, each as far as these platforms accept it. An accepted platform that no
     * release names is dropped ({@link RaTlsPolicy.SevSnpOnly} or {@link RaTlsPolicy.TdxOnly} then).
     *
     * @throws IllegalArgumentException when no accepted platform has a release
     */
    default RaTlsPolicy policy(
            SevSnpPolicy cpu,
            List<byte[]> sevSnp,
            List<TdxReleaseReferenceValues> tdx,
            RaTlsPolicy.GpuRequirement gpu) {
        boolean snp = acceptsSevSnp() && !sevSnp.isEmpty();
        Optional<RaTlsPolicy.TdxReleases> releases =
                tdx.isEmpty() ? Optional.empty() : tdx().map(base -> new RaTlsPolicy.TdxReleases(base, tdx));
        if (!snp && releases.isEmpty()) {
            throw new IllegalArgumentException(
                    OPTION + " " + choice() + ": no accepted release names an accepted CPU platform");
        }
        if (releases.isEmpty()) {
            return RaTlsPolicy.acceptingReleases(cpu, sevSnp, gpu);
        }
        if (!snp) {
            return RaTlsPolicy.acceptingTdxReleases(releases.get(), gpu);
        }
        return RaTlsPolicy.acceptingReleases(cpu, sevSnp, gpu)
                .withPlatforms(new RaTlsPolicy.SevSnpOrTdx(releases.get()));
    }

    private static void requireTcbStatus(TdxPolicy base) {
        Objects.requireNonNull(base, "base");
        if (!(base.tcb() instanceof TdxPolicy.TcbStatusIn)) {
            throw new IllegalArgumentException(
                    "a TDX platform policy must require a TCB status from Intel's collateral");
        }
    }
}
