package dev.cloister.client.keys;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.ReleaseRevocation;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which enclave software a client accepts (issue 15 item 5): a {@link SignedRelease} (entry type 0x10, or 0x12 with TDX platforms) that
 * <ol>
 *   <li>is signed by one of the client's release keys ({@link ReleaseTrust}), not merely logged by the operator;</li>
 *   <li>is in the ledger: a {@code .tlog-proof} whose checkpoint the log signed and the witness quorum cosigned
 *       recently, consistent with every checkpoint this client saw before;</li>
 *   <li>is inside its validity window {@code [not_before, not_after)} now;</li>
 *   <li>is not revoked by a {@link ReleaseRevocation} that this client's verified view of the log holds;</li>
 *   <li>has been in the log for at least the quarantine: a checkpoint holding it was cosigned by the witness quorum
 *       at or before {@code now - quarantine} (the key directory serves that older proof too).</li>
 * </ol>
 * The accepted releases' SEV-SNP launch digests (one per VM shape) become the attestation policy's reference values
 * and their platform options its VMPL and SMT rules, so an enclave running anything the public cannot see in the log
 * is refused before a byte of user data is sent. On TDX, each accepted release's platforms give MRTD and RTMR0 and the
 * release its RTMR1 and RTMR2 ({@link #appraiseTdx}). Version 1 releases (0x01) carry no release signature and are
 * refused.
 */
public final class ReleaseTransparency {

    private final LedgerView ledger;
    private final ReleaseTrust trust;

    public ReleaseTransparency(LedgerView ledger, ReleaseTrust trust) {
        this.ledger = Objects.requireNonNull(ledger);
        this.trust = Objects.requireNonNull(trust);
    }

    /** A release the ledger vouches for, with where it is in the log. */
    public record PublishedRelease(SignedRelease release, long ledgerIndex, long checkpointSize) {

        /** The release's name. */
        public String name() {
            return release.manifest().release();
        }

        /** The SEV-SNP launch digests this release names, one per VM shape. */
        public List<byte[]> sevSnpMeasurements() {
            return release.manifest().snpLaunchDigests().stream()
                    .map(Bytes::toByteArray)
                    .toList();
        }

        /** The TDX reference values this release names: one set per host platform (none without TDX platforms). */
        public List<TdxReleaseReferenceValues> tdxReferenceValues() {
            return TdxReleaseReferenceValues.of(release.manifest());
        }

        /**
         * Whether {@code measurement} is one of this release's SEV-SNP launch digests. A TDX MRTD is not enough to name
         * a release (it measures the firmware, which every release on that platform shares): a TDX quote is matched on
         * all its registers ({@link #tdxReferenceValues}).
         */
        boolean names(byte[] measurement) {
            return sevSnpMeasurements().stream().anyMatch(m -> Arrays.equals(m, measurement));
        }

        /**
         * Every launch of this release: one per SEV-SNP VM shape, and one per TDX host platform (that platform's MRTD
         * and RTMR0 with the release's RTMR1 and RTMR2).
         */
        public List<RaTlsPolicy.LaunchMeasurement> launches() {
            List<RaTlsPolicy.LaunchMeasurement> out = new ArrayList<>();
            for (Bytes d : release.manifest().snpLaunchDigests()) {
                out.add(new RaTlsPolicy.SevSnpLaunch(d));
            }
            for (TdxReleaseReferenceValues t : tdxReferenceValues()) {
                out.add(RaTlsPolicy.TdxLaunch.of(t));
            }
            return List.copyOf(out);
        }

        /**
         * The RIMs this release names per GPU model (SHA-384 digests): the model's driver RIM and each of its VBIOS
         * RIMs (one per reference value of that model), in the release's order.
         */
        public List<RaTlsPolicy.ModelRimDigests> gpuModelRims() {
            Map<String, Bytes> drivers = new LinkedHashMap<>();
            Map<String, List<Bytes>> vbios = new LinkedHashMap<>();
            for (GpuReferenceValue g : release.manifest().gpus()) {
                if (g.driverRim().algorithm() != Digest.Algorithm.SHA_384
                        || g.vbiosRim().algorithm() != Digest.Algorithm.SHA_384) {
                    continue;
                }
                drivers.putIfAbsent(g.model(), g.driverRim().value());
                vbios.computeIfAbsent(g.model(), m -> new ArrayList<>())
                        .add(g.vbiosRim().value());
            }
            List<RaTlsPolicy.ModelRimDigests> out = new ArrayList<>();
            drivers.forEach(
                    (model, driver) -> out.add(new RaTlsPolicy.ModelRimDigests(model, driver, vbios.get(model))));
            return List.copyOf(out);
        }
    }

    /** One release as served: its entry, and every proof the directory served for it (fresh ones and older ones). */
    private record Served(SignedRelease release, byte[] entry, List<TlogProof> proofs) {}

    /**
     * @return every release that passes all checks (never empty)
     * @throws KeyConsistencyException when none does, with each release's reason
     */
    public List<PublishedRelease> check(KeyProofs proofs, Instant now) throws KeyConsistencyException {
        List<String> reasons = new ArrayList<>();
        Map<Digest, Served> releases = new LinkedHashMap<>();
        List<ReleaseRevocation> revocations = new ArrayList<>();
        for (TlogProof proof : proofs.proofs()) {
            byte[] entry = proof.extra().orElseThrow().toByteArray();
            LedgerEntry decoded;
            try {
                decoded = LedgerEntry.decode(entry);
            } catch (FormatException e) {
                reasons.add("entry " + proof.index() + ": " + e.getMessage());
                continue;
            }
            switch (decoded) {
                case SignedRelease r ->
                    releases.computeIfAbsent(r.digest(), d -> new Served(r, entry, new ArrayList<>()))
                            .proofs()
                            .add(proof);
                case ReleaseRevocation v -> {
                    Optional<String> refused = verifiedRevocation(entry, proof, now);
                    if (refused.isEmpty()) {
                        revocations.add(v);
                    } else {
                        reasons.add("revocation " + proof.index() + " is not in the verified log: " + refused.get());
                    }
                }
                case EnclaveRelease old ->
                    reasons.add("entry " + proof.index() + " is a version 1 release (0x01), which no release key "
                            + "signs");
                default -> reasons.add("entry " + proof.index() + " is not an enclave release");
            }
        }
        List<PublishedRelease> accepted = new ArrayList<>();
        for (Served served : releases.values()) {
            try {
                accepted.add(accept(served, revocations, now));
            } catch (KeyConsistencyException e) {
                reasons.add("release '" + served.release().manifest().release() + "' ("
                        + served.release().digest() + "): " + e.getMessage());
            }
        }
        if (accepted.isEmpty()) {
            throw new KeyConsistencyException("no enclave release is acceptable"
                    + (reasons.isEmpty() ? ": none was served" : ": " + String.join("; ", reasons)));
        }
        return List.copyOf(accepted);
    }

    private PublishedRelease accept(Served served, List<ReleaseRevocation> revocations, Instant now)
            throws KeyConsistencyException {
        SignedRelease r = served.release();
        if (r.verifiedBy(trust.publicKeys()).isEmpty()) {
            throw new KeyConsistencyException("not signed by a configured release key (its key is "
                    + r.releaseKey().hex() + ")");
        }
        LogVerifier.Verified fresh = null;
        List<String> failures = new ArrayList<>();
        for (TlogProof proof : served.proofs()) {
            try {
                fresh = ledger.verify(served.entry(), proof, now);
                break;
            } catch (LedgerException | IOException | RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (fresh == null) {
            throw new KeyConsistencyException("not proven in the ledger: " + String.join("; ", failures));
        }
        if (!r.manifest().validAt(now)) {
            throw new KeyConsistencyException("outside its validity window "
                    + r.manifest().notBefore() + " .. " + r.manifest().notAfter() + " at " + now);
        }
        for (ReleaseRevocation v : revocations) {
            if (v.revokes(r)) {
                throw new KeyConsistencyException("revoked by the ledger: " + v.reason());
            }
        }
        if (!trust.quarantine().isZero()) {
            Instant by = now.minus(trust.quarantine());
            List<String> undated = new ArrayList<>();
            boolean dated = false;
            for (TlogProof proof : served.proofs()) {
                try {
                    ledger.verifyWitnessedBy(served.entry(), proof, by);
                    dated = true;
                    break;
                } catch (LedgerException | IOException | RuntimeException e) {
                    undated.add(e.getMessage());
                }
            }
            if (!dated) {
                throw new KeyConsistencyException("in quarantine: no checkpoint holding it was witnessed at or before "
                        + by + " (" + trust.quarantine() + " ago): " + String.join("; ", undated));
            }
        }
        return new PublishedRelease(r, fresh.index(), fresh.checkpoint().size());
    }

    /** Empty if the revocation is in this client's verified view of the log (recently witnessed, or at any time). */
    private Optional<String> verifiedRevocation(byte[] entry, TlogProof proof, Instant now) {
        try {
            ledger.verify(entry, proof, now);
            return Optional.empty();
        } catch (LedgerException | IOException | RuntimeException fresh) {
            try {
                ledger.verifyWitnessedBy(entry, proof, now);
                return Optional.empty();
            } catch (LedgerException | IOException | RuntimeException dated) {
                return Optional.of(fresh.getMessage());
            }
        }
    }

    /**
     * {@code cpu} with the platform options of the accepted releases: the highest VMPL and whether SMT may be on, the
     * strictest among them when several are valid at once (each release says what it needs; none loosens another).
     */
    public static SevSnpPolicy applyPlatformOptions(SevSnpPolicy cpu, List<PublishedRelease> releases) {
        if (releases.isEmpty()) {
            throw new IllegalArgumentException("no accepted release");
        }
        int vmpl = releases.stream()
                .mapToInt(r -> r.release().manifest().maxVmpl())
                .min()
                .orElseThrow();
        boolean smt = releases.stream().allMatch(r -> r.release().manifest().smtAllowed());
        return cpu.withMaximumVmpl(vmpl).withSmt(smt ? SevSnpPolicy.Smt.ALLOWED : SevSnpPolicy.Smt.FORBIDDEN);
    }

    /**
     * {@code gpu} with a {@link RaTlsPolicy.FromLedger} RIM requirement replaced by the driver and VBIOS RIM digests
     * each verified release names per GPU model, keyed by the launches of that release ({@link RaTlsPolicy.LaunchMeasurement}: each
     * SEV-SNP launch digest, and for TDX each platform's MRTD and RTMR0 with the release's RTMR1 and RTMR2), so a
     * confidential GPU is proven by its measurements matching the RIMs of the release its CVM runs, never another
     * release's; and its GPU count by each release's {@code gpu_count}, keyed the same way (the enclave must attest
     * exactly as many distinct GPUs as the release it runs says); any other requirement unchanged. Two releases of
     * one launch (one image published twice) must say the same GPU count; the RIMs of both are that image's.
     *
     * @throws KeyConsistencyException if the requirement is {@code FromLedger} and no release names a RIM
     */
    public static RaTlsPolicy.GpuRequirement applyPublishedRims(
            RaTlsPolicy.GpuRequirement gpu, List<PublishedRelease> releases) throws KeyConsistencyException {
        if (!(gpu instanceof RaTlsPolicy.RequireGpu r) || !(r.rims() instanceof RaTlsPolicy.FromLedger)) {
            return gpu;
        }
        Map<RaTlsPolicy.LaunchMeasurement, Integer> counts = new LinkedHashMap<>();
        Map<RaTlsPolicy.LaunchMeasurement, List<RaTlsPolicy.ModelRimDigests>> rims = new LinkedHashMap<>();
        for (PublishedRelease p : releases) {
            int gpuCount = p.release().manifest().gpuCount();
            for (RaTlsPolicy.LaunchMeasurement launch : p.launches()) {
                Integer before = counts.putIfAbsent(launch, gpuCount);
                if (before != null && before != gpuCount) {
                    throw new KeyConsistencyException("two published releases of one launch measurement name " + before
                            + " and " + gpuCount + " GPUs (" + launch.describe() + ")");
                }
                if (!p.gpuModelRims().isEmpty()) {
                    rims.computeIfAbsent(launch, d -> new java.util.ArrayList<>())
                            .addAll(p.gpuModelRims());
                }
            }
        }
        if (rims.isEmpty()) {
            throw new KeyConsistencyException(
                    "the GPU policy requires RIMs named by a published release, and no published release names any");
        }
        return r.withRims(new RaTlsPolicy.PublishedRims(rims)).withGpus(new RaTlsPolicy.ByRelease(counts));
    }

    /** The published release whose SEV-SNP measurement (or TDX platform's MRTD) is {@code measurement}, if any. */
    public static Optional<PublishedRelease> find(List<PublishedRelease> releases, byte[] measurement) {
        return releases.stream().filter(r -> r.names(measurement)).findFirst();
    }

    /**
     * Appraises a TDX quote against the accepted releases: under {@code cpu} (roots, TCB, TD attributes), its MRTD and
     * RTMR0 must be those of one TDX platform of one release, and its RTMR1 and RTMR2 that release's (RTMR3 is
     * extended at run time and not checked here).
     *
     * @throws AttestationException when no release names a TDX platform or none matches; the reason names, per release
     *     and platform, the register that differs with its expected and actual values
     */
    public static TdxReleaseReferenceValues.Match appraiseTdx(
            TdxVerifier verifier,
            Instant now,
            TdxEvidence quote,
            TdxEndorsements endorsements,
            TdxPolicy cpu,
            List<PublishedRelease> releases)
            throws AttestationException {
        List<TdxReleaseReferenceValues> candidates =
                releases.stream().flatMap(r -> r.tdxReferenceValues().stream()).toList();
        return TdxReleaseReferenceValues.appraise(verifier, now, quote, endorsements, cpu, candidates);
    }
}
