package dev.cloister.attest.tdx;

import dev.cloister.attest.Platform;
import dev.cloister.attest.Policy;
import dev.cloister.attest.ReferenceValue;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How to appraise a TDX quote. A debuggable TD (TDATTRIBUTES.DEBUG) is always refused.
 *
 * @param trustedRootSha256 SHA-256 (hex) of the root certificates a PCK chain may end in (at least one)
 * @param mrTd {@link ReferenceValue.Skip} or 48-byte {@link ReferenceValue.Digests}
 * @param rtmrs for RTMR0..3, each Skip or 48-byte Digests (exactly four entries)
 * @param reportData Skip or 64-byte Digests
 * @param tcb whether a TCB status from Intel's PCS collateral is required, and which statuses are accepted
 */
public record TdxPolicy(
        List<String> trustedRootSha256,
        ReferenceValue mrTd,
        List<ReferenceValue> rtmrs,
        ReferenceValue reportData,
        TcbRequirement tcb)
        implements Policy {

    /**
     * What the policy requires of the quote's TCB level. Whatever it says, collateral that comes with the evidence is
     * verified in full (a bad signature, an expired or mismatching collateral, a revoked certificate are refused), and
     * a {@link TcbStatus#REVOKED} TCB level is always refused.
     */
    public sealed interface TcbRequirement {}

    /**
     * The TCB level is deliberately not required: a quote without collateral is accepted for its genuineness alone
     * (the claims then say "not evaluated").
     */
    public record TcbNotRequired() implements TcbRequirement {}

    /**
     * Collateral is required and the converged TCB status (platform, TDX module and QE) must be one of these, from
     * collateral at least as recent as the given TCB evaluation data number (Intel's TCB recovery counter: a verifier
     * that requires the current number cannot be shown collateral from before a TCB recovery).
     *
     * @param accepted at least one status; {@link TcbStatus#REVOKED} cannot be accepted
     * @param minimumTcbEvaluationDataNumber the TCB info's and the QE identity's {@code tcbEvaluationDataNumber} must
     *     each be at least this (0: any)
     */
    public record TcbStatusIn(Set<TcbStatus> accepted, int minimumTcbEvaluationDataNumber) implements TcbRequirement {
        public TcbStatusIn {
            Objects.requireNonNull(accepted, "accepted");
            if (accepted.isEmpty() || accepted.contains(TcbStatus.REVOKED)) {
                throw new IllegalArgumentException("accepted TCB statuses: at least one, never Revoked");
            }
            if (minimumTcbEvaluationDataNumber < 0) {
                throw new IllegalArgumentException("minimumTcbEvaluationDataNumber must be >= 0");
            }
            accepted = Set.copyOf(EnumSet.copyOf(accepted));
        }

        /** These statuses, from collateral of any TCB evaluation data number. */
        public TcbStatusIn(Set<TcbStatus> accepted) {
            this(accepted, 0);
        }

        /** Only {@link TcbStatus#UP_TO_DATE}. */
        public static TcbStatusIn upToDate() {
            return new TcbStatusIn(Set.of(TcbStatus.UP_TO_DATE));
        }
    }

    /** A policy that does not require a TCB status (the constructor before PCS collateral existed). */
    public TdxPolicy(
            List<String> trustedRootSha256,
            ReferenceValue mrTd,
            List<ReferenceValue> rtmrs,
            ReferenceValue reportData) {
        this(trustedRootSha256, mrTd, rtmrs, reportData, new TcbNotRequired());
    }

    /** SHA-256 of the Intel SGX Root CA certificate (DER), the root of every PCK chain. */
    public static final String INTEL_SGX_ROOT_CA_SHA256 =
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

    public TdxPolicy {
        trustedRootSha256 = List.copyOf(Objects.requireNonNull(trustedRootSha256, "trustedRootSha256"));
        if (trustedRootSha256.isEmpty()) {
            throw new IllegalArgumentException("a policy must trust at least one root");
        }
        check(mrTd, 48, "mrTd");
        rtmrs = List.copyOf(Objects.requireNonNull(rtmrs, "rtmrs"));
        if (rtmrs.size() != 4) {
            throw new IllegalArgumentException("rtmrs needs exactly 4 entries (Skip to skip one)");
        }
        for (ReferenceValue r : rtmrs) {
            check(r, 48, "rtmr");
        }
        check(reportData, 64, "reportData");
        Objects.requireNonNull(tcb, "tcb (use TcbNotRequired to skip)");
    }

    private static void check(ReferenceValue v, int len, String name) {
        Objects.requireNonNull(v, name + " (use ReferenceValue.Skip to skip)");
        if (!(v instanceof ReferenceValue.Skip) && !(v instanceof ReferenceValue.Digests d && d.length() == len)) {
            throw new IllegalArgumentException(name + " must be Skip or Digests of " + len + " bytes, got " + v);
        }
    }

    /** A genuine quote signed through the Intel SGX Root CA, nothing else required (debug TDs still refused). */
    public static TdxPolicy genuineIntel() {
        ReferenceValue skip = new ReferenceValue.Skip();
        return new TdxPolicy(List.of(INTEL_SGX_ROOT_CA_SHA256), skip, List.of(skip, skip, skip, skip), skip);
    }

    public TdxPolicy withMrTd(ReferenceValue v) {
        return new TdxPolicy(trustedRootSha256, v, rtmrs, reportData, tcb);
    }

    public TdxPolicy withReportData(ReferenceValue v) {
        return new TdxPolicy(trustedRootSha256, mrTd, rtmrs, v, tcb);
    }

    public TdxPolicy withRtmrs(List<ReferenceValue> v) {
        return new TdxPolicy(trustedRootSha256, mrTd, v, reportData, tcb);
    }

    public TdxPolicy withTcb(TcbRequirement v) {
        return new TdxPolicy(trustedRootSha256, mrTd, rtmrs, reportData, v);
    }

    /** The same checks, with these roots trusted instead (for example a simulated platform's root). */
    public TdxPolicy withTrustedRoots(List<String> rootSha256) {
        return new TdxPolicy(rootSha256, mrTd, rtmrs, reportData, tcb);
    }

    @Override
    public Platform platform() {
        return Platform.TDX;
    }
}
