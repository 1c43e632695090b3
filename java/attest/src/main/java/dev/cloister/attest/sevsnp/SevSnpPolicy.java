package dev.cloister.attest.sevsnp;

import dev.cloister.attest.Platform;
import dev.cloister.attest.Policy;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RevocationCheck;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How to appraise SEV-SNP evidence. A migration agent (POLICY bit 18) is always refused: there is no setting for it.
 *
 * @param trustedRoots the ARKs a chain may end in (at least one)
 * @param debug whether a debuggable guest (POLICY bit 19) is refused (the only safe choice) or merely reported
 * @param smt whether the host may run with SMT enabled (PLATFORM_INFO bit 0)
 * @param maximumVmpl the highest VMPL (0..3) the report may have been requested from
 * @param minimumTcb {@link ReferenceValue.Skip}, or {@link ReferenceValue.MinimumTcb} of a {@link TcbVersion} (one
 *     floor for every product line) or of {@link TcbFloors} (a floor per product line; a product line without one is
 *     refused); compared with the TCB of the VCEK certificate (which the report's REPORTED_TCB must equal)
 * @param measurement {@link ReferenceValue.Skip} or 48-byte {@link ReferenceValue.Digests}: allowed launch digests
 * @param hostData {@link ReferenceValue.Skip} or 32-byte {@link ReferenceValue.Digests}
 * @param reportData {@link ReferenceValue.Skip} or 64-byte {@link ReferenceValue.Digests} (RA-TLS puts the expected
 *     binding here)
 * @param crl whether AMD's CRL for the product line must come with the endorsements, and how old it may be
 */
public record SevSnpPolicy(
        List<TrustedArk> trustedRoots,
        DebugGuests debug,
        Smt smt,
        int maximumVmpl,
        ReferenceValue minimumTcb,
        ReferenceValue measurement,
        ReferenceValue hostData,
        ReferenceValue reportData,
        RevocationCheck crl)
        implements Policy {

    /** What to do with a guest launched with POLICY.DEBUG. */
    public enum DebugGuests {
        /** Refuse it: the hypervisor can read the guest's memory. */
        REFUSE,
        /**
         * Accept it and report {@code debug: true} in the claims. Only for an auditor inspecting a sample; never for
         * sending data to the guest.
         */
        ACCEPT_INSECURE_FOR_INSPECTION
    }

    /** Whether the host may run with simultaneous multithreading enabled. */
    public enum Smt {
        ALLOWED,
        /** PLATFORM_INFO.SMT_EN must be 0. */
        FORBIDDEN
    }

    public SevSnpPolicy {
        Objects.requireNonNull(trustedRoots, "trustedRoots");
        trustedRoots = List.copyOf(trustedRoots);
        if (trustedRoots.isEmpty()) {
            throw new IllegalArgumentException("a policy must trust at least one root");
        }
        Objects.requireNonNull(debug, "debug");
        Objects.requireNonNull(smt, "smt");
        if (maximumVmpl < 0 || maximumVmpl > 3) {
            throw new IllegalArgumentException("maximumVmpl must be 0..3, got " + maximumVmpl);
        }
        Objects.requireNonNull(minimumTcb, "minimumTcb (use ReferenceValue.Skip to skip)");
        if (!(minimumTcb instanceof ReferenceValue.Skip)
                && !(minimumTcb instanceof ReferenceValue.MinimumTcb(var v)
                        && (v instanceof TcbVersion || v instanceof TcbFloors))) {
            throw new IllegalArgumentException(
                    "minimumTcb must be Skip, MinimumTcb(TcbVersion) or MinimumTcb(TcbFloors), got " + minimumTcb);
        }
        requireDigestsOrSkip(measurement, 48, "measurement");
        requireDigestsOrSkip(hostData, 32, "hostData");
        requireDigestsOrSkip(reportData, 64, "reportData");
        Objects.requireNonNull(crl, "crl");
    }

    private static void requireDigestsOrSkip(ReferenceValue v, int length, String name) {
        Objects.requireNonNull(v, name + " (use ReferenceValue.Skip to skip)");
        switch (v) {
            case ReferenceValue.Skip s -> {}
            case ReferenceValue.Digests d when d.length() == length -> {}
            default ->
                throw new IllegalArgumentException(name + " must be Skip or Digests of " + length + " bytes, got " + v);
        }
    }

    /**
     * Genuine AMD evidence from a hardened platform: the pinned ARKs of Milan, Genoa and Turin, debug guests refused,
     * SMT forbidden (sibling-thread attacks such as CVE-2025-29943 need it), the report requested from VMPL 0 (no
     * lower-privileged guest code could have asked for it), every reference value skipped, AMD's CRL checked when it
     * is supplied (RA-TLS requires it: {@link dev.cloister.attest.ratls.RaTlsPolicy#acceptingReleases}). The default of
     * {@code cloister attest verify}. A release that runs with SMT or above VMPL 0 says so, and only then does the
     * client widen these with {@link #withSmt} and {@link #withMaximumVmpl}.
     */
    public static SevSnpPolicy genuineAmd() {
        return new SevSnpPolicy(
                Arrays.stream(ProductLine.values()).map(TrustedArk::amd).toList(),
                DebugGuests.REFUSE,
                Smt.FORBIDDEN,
                0,
                new ReferenceValue.Skip(),
                new ReferenceValue.Skip(),
                new ReferenceValue.Skip(),
                new ReferenceValue.Skip(),
                new RevocationCheck.CheckIfSupplied());
    }

    public SevSnpPolicy withTrustedRoots(List<TrustedArk> roots) {
        return new SevSnpPolicy(roots, debug, smt, maximumVmpl, minimumTcb, measurement, hostData, reportData, crl);
    }

    public SevSnpPolicy withDebug(DebugGuests d) {
        return new SevSnpPolicy(trustedRoots, d, smt, maximumVmpl, minimumTcb, measurement, hostData, reportData, crl);
    }

    public SevSnpPolicy withSmt(Smt s) {
        return new SevSnpPolicy(
                trustedRoots, debug, s, maximumVmpl, minimumTcb, measurement, hostData, reportData, crl);
    }

    public SevSnpPolicy withMaximumVmpl(int v) {
        return new SevSnpPolicy(trustedRoots, debug, smt, v, minimumTcb, measurement, hostData, reportData, crl);
    }

    public SevSnpPolicy withMinimumTcb(ReferenceValue v) {
        return new SevSnpPolicy(trustedRoots, debug, smt, maximumVmpl, v, measurement, hostData, reportData, crl);
    }

    public SevSnpPolicy withMeasurement(ReferenceValue v) {
        return new SevSnpPolicy(trustedRoots, debug, smt, maximumVmpl, minimumTcb, v, hostData, reportData, crl);
    }

    public SevSnpPolicy withHostData(ReferenceValue v) {
        return new SevSnpPolicy(trustedRoots, debug, smt, maximumVmpl, minimumTcb, measurement, v, reportData, crl);
    }

    public SevSnpPolicy withCrl(RevocationCheck c) {
        return new SevSnpPolicy(
                trustedRoots, debug, smt, maximumVmpl, minimumTcb, measurement, hostData, reportData, c);
    }

    public SevSnpPolicy withReportData(ReferenceValue v) {
        return new SevSnpPolicy(trustedRoots, debug, smt, maximumVmpl, minimumTcb, measurement, hostData, v, crl);
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }
}
