package dev.cloister.attest.policy;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxQuote;
import dev.cloister.attest.tdx.TdxVerifier;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.entry.TdxRuntime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The TDX reference values (RFC 9334 §3.4) a verified release names for one host platform: MRTD and RTMR0 from the
 * platform's entry, RTMR1 and RTMR2 from the release itself. RTMR3 is extended at run time and is not a reference
 * value of any release ({@link ReferenceValue.Skip}). Registers of different platforms or releases are never mixed:
 * a quote must match all four values of one platform of one release.
 *
 * @param release the release's name (for the verdict and for refusals)
 * @param platform the host platform's MRTD and RTMR0
 * @param runtime the release's RTMR1 and RTMR2
 */
public record TdxReleaseReferenceValues(String release, TdxPlatform platform, TdxRuntime runtime) {

    public TdxReleaseReferenceValues {
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(runtime, "runtime");
    }

    /** One set per TDX platform that {@code manifest} (already verified: signature, log, validity) names. */
    public static List<TdxReleaseReferenceValues> of(ReleaseManifest manifest) {
        if (manifest.tdx().isEmpty()) {
            return List.of();
        }
        return manifest.tdxPlatforms().stream()
                .map(p -> new TdxReleaseReferenceValues(
                        manifest.release(), p, manifest.tdx().get()))
                .toList();
    }

    /** {@code base} (roots, TCB, TD attributes) with MRTD, RTMR0, RTMR1 and RTMR2 required to be these. */
    public TdxPolicy applyTo(TdxPolicy base) {
        return base.withMrTd(new ReferenceValue.Digests(List.of(platform.mrtd())))
                .withRtmrs(List.of(
                        new ReferenceValue.Digests(List.of(platform.rtmr0())),
                        new ReferenceValue.Digests(List.of(runtime.rtmr1())),
                        new ReferenceValue.Digests(List.of(runtime.rtmr2())),
                        new ReferenceValue.Skip()));
    }

    /** Whether {@code quote} (already verified) holds exactly these MRTD, RTMR0, RTMR1 and RTMR2. */
    public boolean matches(TdxQuote quote) {
        return platform.mrtd().equals(Bytes.of(quote.mrTd()))
                && platform.rtmr0().equals(Bytes.of(quote.rtmr(0)))
                && runtime.rtmr1().equals(Bytes.of(quote.rtmr(1)))
                && runtime.rtmr2().equals(Bytes.of(quote.rtmr(2)));
    }

    /** Where a quote was accepted: the claims, and the release and platform whose values it matches. */
    public record Match(TdxClaims claims, TdxReleaseReferenceValues values) {}

    /**
     * Appraises a quote with {@code verifier} under {@code base} narrowed to each candidate in turn, and returns the
     * first candidate it satisfies.
     *
     * @throws AttestationException when {@code base} binds no REPORT_DATA, there is no candidate, or the quote satisfies
     *     none: the reason lists, per
     *     release and platform, why it was refused (for a register, its name with the expected and actual values)
     */
    public static Match appraise(
            TdxVerifier verifier,
            Instant now,
            TdxEvidence evidence,
            TdxEndorsements endorsements,
            TdxPolicy base,
            List<TdxReleaseReferenceValues> candidates)
            throws AttestationException {
        if (base.reportData() instanceof dev.cloister.attest.ReferenceValue.Skip) {
            // Registers say which software runs, not that this quote is fresh: without REPORT_DATA bound to the
            // session (a nonce, a key), a quote recorded once would pass for ever.
            throw new AttestationException("the TDX policy binds no REPORT_DATA: a replayed quote would pass");
        }
        if (candidates.isEmpty()) {
            throw new AttestationException("no accepted release names a TDX platform (MRTD and RTMR0)");
        }
        List<String> refused = new ArrayList<>();
        for (TdxReleaseReferenceValues c : candidates) {
            try {
                return new Match(verifier.verify(now, evidence, endorsements, c.applyTo(base)), c);
            } catch (AttestationException e) {
                refused.add("release '" + c.release() + "' on TDX platform '"
                        + c.platform().platform() + "': " + e.getMessage());
            }
        }
        throw new AttestationException("the TDX quote matches no accepted release: " + String.join("; ", refused));
    }
}
