package dev.cloister.attest;

import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.attest.sevsnp.AmdChainVerifier;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.SevSnpVerifier;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import java.time.Instant;
import java.util.Objects;

/**
 * The one entry point for appraising evidence (RFC 9334 verifier role): a pure function of (now, evidence,
 * endorsements, policy), apart from a cache of verified vendor certificate chains keyed by certificate fingerprints.
 * Thread-safe; keep one instance per process so the cache is shared.
 */
public final class AttestationVerifier {

    private final SevSnpVerifier sevSnp;
    private final NvidiaGpuVerifier nvidiaGpu;
    private final TdxVerifier tdx = new TdxVerifier();

    private AttestationVerifier(SevSnpVerifier sevSnp, NvidiaGpuVerifier nvidiaGpu) {
        this.sevSnp = sevSnp;
        this.nvidiaGpu = nvidiaGpu;
    }

    /** A verifier with empty chain caches. */
    public static AttestationVerifier create() {
        return new AttestationVerifier(new SevSnpVerifier(new AmdChainVerifier()), new NvidiaGpuVerifier());
    }

    /**
     * The TDX verifier this instance uses (and whose caches it shares), for appraisals that try one quote against
     * several reference values ({@link dev.cloister.attest.policy.TdxReleaseReferenceValues#appraise}).
     */
    public TdxVerifier tdx() {
        return tdx;
    }

    /**
     * Accepts the evidence under the policy, or throws with the reason.
     *
     * @param now the time at which certificates must be valid (production: the current time; tests and audits of old
     *     samples: a fixed instant)
     * @throws AttestationException if anything does not verify, or the platforms of the arguments differ, or the
     *     platform is not supported yet
     */
    public AttestationResult verify(Instant now, Evidence evidence, Endorsements endorsements, Policy policy)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsements, "endorsements");
        Objects.requireNonNull(policy, "policy");
        if (endorsements.platform() != evidence.platform() || policy.platform() != evidence.platform()) {
            throw new AttestationException("evidence (" + evidence.platform() + "), endorsements ("
                    + endorsements.platform() + ") and policy (" + policy.platform() + ") are for different platforms");
        }
        return switch (evidence) {
            case SevSnpEvidence e
            when endorsements instanceof SevSnpEndorsements en && policy instanceof SevSnpPolicy p ->
                new AttestationResult(now, sevSnp.verify(now, e, en, p));
            case NvidiaGpuEvidence e
            when endorsements instanceof NvidiaGpuEndorsements en && policy instanceof NvidiaGpuPolicy p ->
                new AttestationResult(now, nvidiaGpu.verify(now, e, en, p));
            case TdxEvidence e
            when endorsements instanceof TdxEndorsements en && policy instanceof TdxPolicy p ->
                new AttestationResult(now, tdx.verify(now, e, en, p));
            default ->
                throw new AttestationException(
                        evidence.platform() + " evidence is not supported by this " + "verifier yet");
        };
    }
}
