package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.base.Hex;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appraises a TDX quote, in this order: structure; the PCK chain (from the quote) to a trusted root, ECDSA P-256 /
 * SHA-256, issuer names, CA flags, validity at {@code now}; the QE report signature by the PCK leaf; the QE binding
 * (REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes); the attestation-key signature over header ‖
 * body; then, when PCS collateral is supplied, {@link #appraiseCollateral the collateral and the TCB level}; then the
 * policy (debug TDs refused; TCB status; MRTD, RTMRs, REPORTDATA).
 *
 * <p>Signature checks of certificates, CRLs and collateral are remembered (by the SHA-256 of what was signed and of the
 * signer), as are the parsed TCB info and QE identity; validity times, revocation and trust are checked on every call.
 */
public final class TdxVerifier {

    static final String ECDSA_SHA256 = IntelSgxPki.ECDSA_SHA256;
    static final String FMSPC_OID = "1.2.840.113741.1.13.1.4";
    static final String SGX_EXTENSIONS = PckExtensions.SGX_EXTENSIONS;
    private static final int MAX_PARSED = 256;

    private final IntelSgxPki pki = new IntelSgxPki();
    private final Map<String, TcbInfo> tcbInfos = new ConcurrentHashMap<>();
    private final Map<String, QeIdentity> qeIdentities = new ConcurrentHashMap<>();

    public TdxClaims verify(Instant now, TdxEvidence evidence, TdxEndorsements endorsements, TdxPolicy policy)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsements, "endorsements");
        Objects.requireNonNull(policy, "policy");
        TdxQuote q;
        try {
            q = TdxQuote.parse(evidence.quoteNoCopy());
        } catch (AttestationException e) {
            throw e.whileDoing("parsing the TDX quote");
        }
        List<X509Certificate> pckChain;
        try {
            pckChain = pki.chain(now, q.pckChain(), policy.trustedRootSha256());
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the PCK certificate chain");
        }
        X509Certificate pck = pckChain.getFirst();
        try {
            if (!P256.verify(P256.key(pck.getPublicKey()), q.qeReport(), q.qeReportSignature())) {
                throw new AttestationException("QE report signature does not verify with the PCK key");
            }
            byte[] expected = IntelSgxPki.sha256(q.attestationKey(), q.qeAuthData());
            byte[] reportData = Arrays.copyOfRange(q.qeReport(), 320, 384);
            if (!Arrays.equals(reportData, 0, 32, expected, 0, 32)
                    || !Arrays.equals(reportData, 32, 64, new byte[32], 0, 32)) {
                throw AttestationException.mismatch(
                        "QE REPORTDATA", Hex.format(expected) + "00…", Hex.format(reportData));
            }
            if (!P256.verify(P256.key(q.attestationKey()), q.signedBytes(), q.quoteSignature())) {
                throw new AttestationException("attestation-key signature over header and body does not verify");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the TDX quote signatures");
        }
        try {
            policy.quotingEnclave().check(q.qeReport());
        } catch (AttestationException e) {
            throw e.whileDoing("checking the QE report against the quoting enclave the policy names");
        }
        Optional<TdxTcbLevel> tcb = Optional.empty();
        if (endorsements.collateral().isPresent()) {
            tcb = Optional.of(appraiseCollateral(
                    now, q, pckChain, endorsements.collateral().get(), policy));
        }
        try {
            if (q.debug()) {
                throw new AttestationException("TDATTRIBUTES.DEBUG is set: the host can read the TD's memory; refused");
            }
            if (tcb.isPresent() && tcb.get().status() == TcbStatus.REVOKED) {
                throw new AttestationException("the TCB level is Revoked (platform "
                        + tcb.get().platformStatus().pcsName() + ", TDX module "
                        + tcb.get().tdxModuleStatus().pcsName() + ", QE "
                        + tcb.get().qeStatus().pcsName() + "); refused");
            }
            if (policy.tcb() instanceof TdxPolicy.TcbStatusIn in) {
                if (tcb.isEmpty()) {
                    throw new AttestationException("the policy requires a TCB status, and no PCS collateral (TCB "
                            + "info, QE identity, CRLs) was supplied");
                }
                int edn =
                        Math.min(tcb.get().tcbEvaluationDataNumber(), tcb.get().qeTcbEvaluationDataNumber());
                if (edn < in.minimumTcbEvaluationDataNumber()) {
                    throw AttestationException.mismatch(
                            "TCB evaluation data number of the collateral (TCB info "
                                    + tcb.get().tcbEvaluationDataNumber() + ", QE identity "
                                    + tcb.get().qeTcbEvaluationDataNumber() + ")",
                            "at least " + in.minimumTcbEvaluationDataNumber(),
                            edn);
                }
                if (!in.accepted().contains(tcb.get().status())) {
                    throw AttestationException.mismatch(
                            "TCB status",
                            "one of "
                                    + in.accepted().stream()
                                            .map(TcbStatus::pcsName)
                                            .sorted()
                                            .toList(),
                            tcb.get().status().pcsName() + " (advisories "
                                    + tcb.get().advisoryIds() + ")");
                }
            }
            tdAttributes(policy.tdAttributes(), q.tdAttributes());
            xfam(policy.xfam(), q.xfam());
            digests("MRCONFIGID", policy.mrConfigId(), q.mrConfigId());
            digests("MROWNER", policy.mrOwner(), q.mrOwner());
            digests("MROWNERCONFIG", policy.mrOwnerConfig(), q.mrOwnerConfig());
            digests("MRTD", policy.mrTd(), q.mrTd());
            for (int i = 0; i < 4; i++) {
                digests("RTMR" + i, policy.rtmrs().get(i), q.rtmr(i));
            }
            digests("REPORTDATA", policy.reportData(), q.reportData());
        } catch (AttestationException e) {
            throw e.whileDoing("appraising the TDX quote against the policy");
        }
        return new TdxClaims(pck.getSubjectX500Principal().getName(), fmspc(pck), q, tcb);
    }

    /**
     * The collateral and the TCB level, in this order: the Root CA CRL (issued and signed by the chain's root, current
     * at {@code now}); the PCK CRL (issued and signed by the CA that issued the PCK certificate, current); neither the
     * PCK certificate nor its CA revoked; the TCB info (issuer chain to a trusted root and not revoked, ECDSA signature
     * over the exact bytes of the {@code tcbInfo} object, then parsed: id TDX, version 3, FMSPC and PCE-ID equal to the
     * PCK certificate's, issueDate ≤ now ≤ nextUpdate); the QE identity (same checks, id TD_QE, version 2); the QE
     * report against the QE identity; the TCB level from the TCB info ({@link TcbInfo#evaluate}); the converged status.
     */
    private TdxTcbLevel appraiseCollateral(
            Instant now, TdxQuote q, List<X509Certificate> pckChain, TdxCollateral c, TdxPolicy policy)
            throws AttestationException {
        X509Certificate pck = pckChain.getFirst();
        X509Certificate pckCa = pckChain.get(1);
        X509Certificate root = pckChain.getLast();
        X509CRL rootCrl;
        try {
            rootCrl = pki.crl(now, c.rootCrl(), root, "Root CA CRL");
            X509CRL pckCrl = pki.crl(now, c.pckCrl(), pckCa, "PCK CRL");
            fresh(now, rootCrl.getThisUpdate().toInstant(), policy, "Root CA CRL");
            fresh(now, pckCrl.getThisUpdate().toInstant(), policy, "PCK CRL");
            IntelSgxPki.notRevoked(pckCrl, pck, "PCK CRL");
            for (int i = 1; i < pckChain.size() - 1; i++) {
                IntelSgxPki.notRevoked(rootCrl, pckChain.get(i), "Root CA CRL");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("checking the PCK certificates against Intel's CRLs");
        }
        PckExtensions ext;
        try {
            ext = PckExtensions.of(pck);
        } catch (AttestationException e) {
            throw e.whileDoing("reading the PCK certificate's SGX extension");
        }
        TcbInfo tcbInfo;
        try {
            byte[] signed = signedBody(now, c.tcbInfo(), "tcbInfo", c.tcbInfoIssuerChain(), root, rootCrl, policy);
            tcbInfo = parsed(tcbInfos, signed, TcbInfo::parse);
            if (!tcbInfo.fmspc().equals(ext.fmspc())) {
                throw AttestationException.mismatch(
                        "FMSPC (PCK certificate vs TCB info)",
                        ext.fmspcHex(),
                        tcbInfo.fmspc().hex());
            }
            if (!tcbInfo.pceId().equals(ext.pceId())) {
                throw AttestationException.mismatch(
                        "PCE-ID (PCK certificate vs TCB info)",
                        ext.pceId().hex(),
                        tcbInfo.pceId().hex());
            }
            current(now, tcbInfo.issueDate(), tcbInfo.nextUpdate(), "TCB info");
            fresh(now, tcbInfo.issueDate(), policy, "TCB info");
        } catch (AttestationException e) {
            throw e.whileDoing("verifying Intel's TCB info");
        }
        QeIdentity qe;
        QeIdentity.Level qeLevel;
        try {
            byte[] signed = signedBody(
                    now, c.qeIdentity(), "enclaveIdentity", c.qeIdentityIssuerChain(), root, rootCrl, policy);
            qe = parsed(qeIdentities, signed, QeIdentity::parse);
            current(now, qe.issueDate(), qe.nextUpdate(), "QE identity");
            fresh(now, qe.issueDate(), policy, "QE identity");
            qeLevel = qe.evaluate(q.qeReport());
        } catch (AttestationException e) {
            throw e.whileDoing("appraising the QE report against Intel's QE identity");
        }
        TcbInfo.Evaluation ev;
        try {
            ev = tcbInfo.evaluate(ext, q.teeTcbSvn(), q.mrSignerSeam(), q.seamAttributes());
        } catch (AttestationException e) {
            throw e.whileDoing("finding the quote's TCB level in Intel's TCB info");
        }
        TcbStatus platform = ev.platformLevel().status();
        Set<String> advisories = new LinkedHashSet<>(ev.platformLevel().advisoryIds());
        advisories.addAll(qeLevel.advisoryIds());
        return new TdxTcbLevel(
                platform.convergeWith(ev.moduleStatus()).convergeWith(qeLevel.status()),
                platform,
                ev.moduleStatus(),
                qeLevel.status(),
                ev.platformLevel().tcbDate(),
                List.copyOf(advisories),
                tcbInfo.tcbEvaluationDataNumber(),
                qe.tcbEvaluationDataNumber(),
                ev.moduleIdentity());
    }

    /** Splits a PCS response, verifies its issuer chain (not revoked) and its signature; returns the signed bytes. */
    private byte[] signedBody(
            Instant now,
            byte[] response,
            String name,
            byte[] issuerChainPem,
            X509Certificate root,
            X509CRL rootCrl,
            TdxPolicy policy)
            throws AttestationException {
        PcsSignedBody body = PcsSignedBody.split(response, name);
        List<X509Certificate> chain;
        try {
            chain = pki.chain(now, IntelSgxPki.pem(issuerChainPem, "issuer chain"), policy.trustedRootSha256());
            // Exactly the TCB Signing certificate under the root: a PCK certificate (three deep, its key in a
            // platform's PCE) or a CA must never be accepted as the signer of Intel's collateral.
            if (chain.size() != 2) {
                throw AttestationException.mismatch(
                        "issuer chain length (TCB Signing certificate, root)", 2, chain.size());
            }
            X509Certificate signer = chain.getFirst();
            String cn = signer.getSubjectX500Principal().getName();
            if (signer.getBasicConstraints() >= 0 || !cn.matches("(?s)(.*,)?CN=[^,]*SGX TCB Signing(,.*)?")) {
                throw new AttestationException("the signer " + cn + " is not an SGX TCB Signing certificate");
            }
            if (!chain.getLast().equals(root)) {
                throw new AttestationException("the issuer chain ends in another root than the PCK chain");
            }
            for (int i = 0; i < chain.size() - 1; i++) {
                IntelSgxPki.notRevoked(rootCrl, chain.get(i), "Root CA CRL");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the " + name + " issuer chain");
        }
        pki.p1363(
                chain.getFirst(),
                body.signedBytes().toByteArray(),
                body.signature().toByteArray(),
                name);
        return body.signedBytes().toByteArray();
    }

    private interface Parser<T> {
        T parse(byte[] signed) throws AttestationException;
    }

    private static <T> T parsed(Map<String, T> cache, byte[] signed, Parser<T> parser) throws AttestationException {
        String key = Hex.format(IntelSgxPki.sha256(signed));
        T known = cache.get(key);
        if (known != null) {
            return known;
        }
        T t = parser.parse(signed);
        if (cache.size() >= MAX_PARSED) {
            cache.clear();
        }
        cache.put(key, t);
        return t;
    }

    /** Refuses collateral issued longer ago than the policy's {@link TdxPolicy.TcbStatusIn#collateralMaxAge}. */
    private static void fresh(Instant now, Instant issued, TdxPolicy policy, String what) throws AttestationException {
        if (policy.tcb() instanceof TdxPolicy.TcbStatusIn t
                && t.collateralMaxAge().isPresent()) {
            Duration maxAge = t.collateralMaxAge().get();
            if (issued.isBefore(now.minus(maxAge))) {
                throw new AttestationException(what + " was issued " + issued + ", more than " + maxAge + " before "
                        + now + " (the policy's largest collateral age)");
            }
        }
    }

    private static void current(Instant now, Instant issued, Instant nextUpdate, String what)
            throws AttestationException {
        if (now.isBefore(issued) || now.isAfter(nextUpdate)) {
            throw new AttestationException(
                    what + " is not current at " + now + " (issued " + issued + ", nextUpdate " + nextUpdate + ")");
        }
    }

    /** TDATTRIBUTES (8 bytes, little-endian) against the policy; DEBUG was refused before. */
    private static void tdAttributes(TdxPolicy.TdAttributes rule, byte[] bytes) throws AttestationException {
        long attributes = 0;
        for (int i = 7; i >= 0; i--) attributes = attributes << 8 | (bytes[i] & 0xff);
        long reserved = attributes & ~TdxPolicy.TdAttributes.DEFINED;
        if (reserved != 0) {
            throw new AttestationException(
                    String.format("TDATTRIBUTES %016x sets reserved bits %016x; refused", attributes, reserved));
        }
        if (rule.requireSeptVeDisable() && (attributes & TdxPolicy.TdAttributes.SEPT_VE_DISABLE) == 0) {
            throw new AttestationException(String.format(
                    "TDATTRIBUTES %016x lacks SEPT_VE_DISABLE (bit 28): the host could inject #VE on EPT violations;"
                            + " refused",
                    attributes));
        }
        if (!rule.allowMigratable() && (attributes & TdxPolicy.TdAttributes.MIGRATABLE) != 0) {
            throw new AttestationException(
                    String.format("TDATTRIBUTES %016x sets MIGRATABLE (bit 29); the policy refuses it", attributes));
        }
        if (!rule.allowHostProfiling() && (attributes & TdxPolicy.TdAttributes.HOST_PROFILING) != 0) {
            throw new AttestationException(String.format(
                    "TDATTRIBUTES %016x lets the host profile the TD (bits 4-6); the policy refuses it", attributes));
        }
    }

    private static void xfam(TdxPolicy.XfamRequirement rule, byte[] bytes) throws AttestationException {
        long xfam = 0;
        for (int i = 7; i >= 0; i--) xfam = xfam << 8 | (bytes[i] & 0xff);
        switch (rule) {
            case TdxPolicy.XfamEquals e -> {
                if (xfam != e.value()) {
                    throw AttestationException.mismatch(
                            "XFAM", String.format("%016x", e.value()), String.format("%016x", xfam));
                }
            }
            case TdxPolicy.XfamWithin w -> {
                if ((xfam & ~w.allowedMask()) != 0) {
                    throw new AttestationException(String.format(
                            "XFAM %016x sets bits %016x outside the allowed mask %016x; refused",
                            xfam, xfam & ~w.allowedMask(), w.allowedMask()));
                }
            }
        }
    }

    private static void digests(String what, ReferenceValue rv, byte[] actual) throws AttestationException {
        if (rv instanceof ReferenceValue.Digests d && !d.matches(actual)) {
            throw AttestationException.mismatch(what, "one of " + d, Hex.format(actual));
        }
    }

    static boolean p1363(PublicKey key, byte[] data, byte[] sig) throws AttestationException {
        return P256.verify(P256.key(key), data, sig);
    }

    /** The FMSPC (6 bytes) inside the PCK certificate's SGX extension, or "" when absent. */
    static String fmspc(X509Certificate pck) {
        try {
            return PckExtensions.of(pck).fmspcHex();
        } catch (AttestationException e) {
            return "";
        }
    }
}
