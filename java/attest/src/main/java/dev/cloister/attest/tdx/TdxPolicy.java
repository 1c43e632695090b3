package dev.cloister.attest.tdx;

import dev.cloister.attest.Platform;
import dev.cloister.attest.Policy;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.base.Bytes;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How to appraise a TDX quote. A debuggable TD (TDATTRIBUTES.DEBUG) and TDATTRIBUTES bits the TDX module reserves are
 * always refused; the QE report is always checked against Intel's TD quoting enclave identity.
 *
 * @param trustedRootSha256 SHA-256 (hex) of the root certificates a PCK chain may end in (at least one)
 * @param mrTd {@link ReferenceValue.Skip} or 48-byte {@link ReferenceValue.Digests}
 * @param rtmrs for RTMR0..3, each Skip or 48-byte Digests (exactly four entries)
 * @param reportData Skip or 64-byte Digests
 * @param tcb whether a TCB status from Intel's PCS collateral is required, and which statuses are accepted
 * @param tdAttributes what TDATTRIBUTES may and must hold
 * @param xfam the TD's extended features (XFAM): an exact value or an allowed mask ({@link XfamWithin#DEFAULT} unless
 *     stated)
 * @param mrConfigId Skip or 48-byte Digests (the host-provided configuration id; all zero unless stated)
 * @param mrOwner Skip or 48-byte Digests (all zero unless stated)
 * @param mrOwnerConfig Skip or 48-byte Digests (all zero unless stated)
 * @param quotingEnclave the enclave that must have signed the attestation key ({@link QuotingEnclave#intelTdQe()})
 */
public record TdxPolicy(
        List<String> trustedRootSha256,
        ReferenceValue mrTd,
        List<ReferenceValue> rtmrs,
        ReferenceValue reportData,
        TcbRequirement tcb,
        TdAttributes tdAttributes,
        XfamRequirement xfam,
        ReferenceValue mrConfigId,
        ReferenceValue mrOwner,
        ReferenceValue mrOwnerConfig,
        QuotingEnclave quotingEnclave)
        implements Policy {

    /**
     * What TDATTRIBUTES (the TD's 64-bit attributes, fixed at TD creation) may hold, bit names as Linux's
     * {@code asm/shared/tdx.h} and Intel's TDX module ABI give them: 0 DEBUG, 4 HGS_PLUS_PROF, 5 PERF_PROF, 6 PMT_PROF,
     * 16 ICSSD, 27 LASS, 28 SEPT_VE_DISABLE, 29 MIGRATABLE, 30 PKS, 31 KL, 62 TPA, 63 PERFMON; every other bit is
     * reserved and refused, as is DEBUG.
     *
     * @param requireSeptVeDisable SEPT_VE_DISABLE must be set: without it the host can make the TD take #VE exceptions
     *     on secure-EPT violations it provokes (a channel into the guest kernel)
     * @param allowMigratable whether MIGRATABLE may be set (a migration TD can then export the TD's state)
     * @param allowHostProfiling whether HGS_PLUS_PROF, PERF_PROF or PMT_PROF may be set (the host profiles the TD)
     */
    public record TdAttributes(boolean requireSeptVeDisable, boolean allowMigratable, boolean allowHostProfiling) {

        static final long DEBUG = 1L;
        static final long HOST_PROFILING = 1L << 4 | 1L << 5 | 1L << 6;
        static final long SEPT_VE_DISABLE = 1L << 28;
        static final long MIGRATABLE = 1L << 29;
        static final long DEFINED = DEBUG
                | HOST_PROFILING
                | 1L << 16
                | 1L << 27
                | SEPT_VE_DISABLE
                | MIGRATABLE
                | 1L << 30
                | 1L << 31
                | 1L << 62
                | 1L << 63;

        /** SEPT_VE_DISABLE required; not migratable; no host profiling. */
        public static TdAttributes hardened() {
            return new TdAttributes(true, false, false);
        }
    }

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
    public record TcbStatusIn(
            Set<TcbStatus> accepted, int minimumTcbEvaluationDataNumber, Optional<Duration> collateralMaxAge)
            implements TcbRequirement {
        public TcbStatusIn {
            Objects.requireNonNull(accepted, "accepted");
            Objects.requireNonNull(collateralMaxAge, "collateralMaxAge");
            if (accepted.isEmpty() || accepted.contains(TcbStatus.REVOKED)) {
                throw new IllegalArgumentException("accepted TCB statuses: at least one, never Revoked");
            }
            if (minimumTcbEvaluationDataNumber < 0) {
                throw new IllegalArgumentException("minimumTcbEvaluationDataNumber must be >= 0");
            }
            if (collateralMaxAge.isPresent()
                    && (collateralMaxAge.get().isNegative()
                            || collateralMaxAge.get().isZero())) {
                throw new IllegalArgumentException("collateralMaxAge must be positive, got " + collateralMaxAge.get());
            }
            accepted = Set.copyOf(EnumSet.copyOf(accepted));
        }

        /** These statuses, from collateral of at least this TCB evaluation data number, of any age while current. */
        public TcbStatusIn(Set<TcbStatus> accepted, int minimumTcbEvaluationDataNumber) {
            this(accepted, minimumTcbEvaluationDataNumber, Optional.empty());
        }

        /** These statuses, from collateral of any TCB evaluation data number. */
        public TcbStatusIn(Set<TcbStatus> accepted) {
            this(accepted, 0);
        }

        /**
         * The same, and each piece of collateral issued no more than {@code maxAge} before now: the Root CA and PCK
         * CRLs by their thisUpdate, the TCB info and the QE identity by their issueDate (Intel's nextUpdate is about a
         * month out: within it, an old copy could hide a revocation or a TCB recovery issued since).
         */
        public TcbStatusIn withCollateralMaxAge(Duration maxAge) {
            return new TcbStatusIn(accepted, minimumTcbEvaluationDataNumber, Optional.of(maxAge));
        }

        /** Only {@link TcbStatus#UP_TO_DATE}. */
        public static TcbStatusIn upToDate() {
            return new TcbStatusIn(Set.of(TcbStatus.UP_TO_DATE));
        }
    }

    /**
     * What XFAM (the TD's extended feature mask, fixed at TD creation; the quote's 8 bytes read little-endian) must
     * be. Bits as the Intel SDM's XCR0/IA32_XSS numbering gives them: 0 x87, 1 SSE, 2 AVX, 3-4 MPX, 5-7 AVX-512, 8 PT,
     * 9 PKRU, 11-12 CET, 14 ULI, 15 LBR, 17-18 AMX.
     */
    public sealed interface XfamRequirement {}

    /** XFAM must be exactly {@code value}. */
    public record XfamEquals(long value) implements XfamRequirement {}

    /** XFAM may set only bits of {@code allowedMask}. */
    public record XfamWithin(long allowedMask) implements XfamRequirement {
        /**
         * x87, SSE, AVX, AVX-512, PKRU, CET and AMX (0x61ae7, the features of common Linux TDs); not Processor Trace
         * (8) or LBR (15), whose state records the TD's control flow, nor MPX (3-4), ULI (14) or any other bit.
         */
        public static final XfamWithin DEFAULT = new XfamWithin(0x61ae7L);
    }

    /** 48 zero bytes: MRCONFIGID, MROWNER and MROWNERCONFIG of a TD whose host set none (the expected default). */
    public static final ReferenceValue ALL_ZERO = new ReferenceValue.Digests(List.of(Bytes.of(new byte[48])));

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
        Objects.requireNonNull(tdAttributes, "tdAttributes");
        Objects.requireNonNull(xfam, "xfam");
        check(mrConfigId, 48, "mrConfigId");
        check(mrOwner, 48, "mrOwner");
        check(mrOwnerConfig, 48, "mrOwnerConfig");
        Objects.requireNonNull(quotingEnclave, "quotingEnclave");
    }

    private static void check(ReferenceValue v, int len, String name) {
        Objects.requireNonNull(v, name + " (use ReferenceValue.Skip to skip)");
        if (!(v instanceof ReferenceValue.Skip) && !(v instanceof ReferenceValue.Digests d && d.length() == len)) {
            throw new IllegalArgumentException(name + " must be Skip or Digests of " + len + " bytes, got " + v);
        }
    }

    /**
     * A genuine quote signed through the Intel SGX Root CA by Intel's TD quoting enclave, from a TD with hardened
     * attributes, XFAM within {@link XfamWithin#DEFAULT} and all-zero MRCONFIGID, MROWNER and MROWNERCONFIG; no
     * measurement or TCB status required (narrow it with the withers).
     */
    public static TdxPolicy genuineIntel() {
        ReferenceValue skip = new ReferenceValue.Skip();
        return new TdxPolicy(
                List.of(INTEL_SGX_ROOT_CA_SHA256),
                skip,
                List.of(skip, skip, skip, skip),
                skip,
                new TcbNotRequired(),
                TdAttributes.hardened(),
                XfamWithin.DEFAULT,
                ALL_ZERO,
                ALL_ZERO,
                ALL_ZERO,
                QuotingEnclave.intelTdQe());
    }

    public TdxPolicy withMrTd(ReferenceValue v) {
        return new TdxPolicy(
                trustedRootSha256,
                v,
                rtmrs,
                reportData,
                tcb,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withReportData(ReferenceValue v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                v,
                tcb,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withRtmrs(List<ReferenceValue> v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                v,
                reportData,
                tcb,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withTcb(TcbRequirement v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                reportData,
                v,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withTdAttributes(TdAttributes v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                reportData,
                tcb,
                v,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withXfam(XfamRequirement v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                reportData,
                tcb,
                tdAttributes,
                v,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    public TdxPolicy withMrConfigId(ReferenceValue v) {
        return withOwnerValues(v, mrOwner, mrOwnerConfig);
    }

    public TdxPolicy withMrOwner(ReferenceValue v) {
        return withOwnerValues(mrConfigId, v, mrOwnerConfig);
    }

    public TdxPolicy withMrOwnerConfig(ReferenceValue v) {
        return withOwnerValues(mrConfigId, mrOwner, v);
    }

    /** MRCONFIGID, MROWNER and MROWNERCONFIG: the values the host set at TD creation. */
    public TdxPolicy withOwnerValues(ReferenceValue configId, ReferenceValue owner, ReferenceValue ownerConfig) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                reportData,
                tcb,
                tdAttributes,
                xfam,
                configId,
                owner,
                ownerConfig,
                quotingEnclave);
    }

    /** The same checks, with another quoting enclave required (a simulated platform's). */
    public TdxPolicy withQuotingEnclave(QuotingEnclave v) {
        return new TdxPolicy(
                trustedRootSha256,
                mrTd,
                rtmrs,
                reportData,
                tcb,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                v);
    }

    /** The same checks, with these roots trusted instead (for example a simulated platform's root). */
    public TdxPolicy withTrustedRoots(List<String> rootSha256) {
        return new TdxPolicy(
                rootSha256,
                mrTd,
                rtmrs,
                reportData,
                tcb,
                tdAttributes,
                xfam,
                mrConfigId,
                mrOwner,
                mrOwnerConfig,
                quotingEnclave);
    }

    @Override
    public Platform platform() {
        return Platform.TDX;
    }
}
