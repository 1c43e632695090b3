package dev.cloister.client.keys;

import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.PlatformMeasurement;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which enclave software a client accepts: only releases published in the transparency ledger (entry type 0x01),
 * proven by a {@code .tlog-proof} whose checkpoint the log signed and the witness quorum cosigned. The accepted
 * SEV-SNP launch digests become the attestation policy's reference values, so an enclave running anything the
 * public cannot see in the log is refused before a byte of user data is sent.
 */
public final class ReleaseTransparency {

    private final LedgerView ledger;

    public ReleaseTransparency(LedgerView ledger) {
        this.ledger = Objects.requireNonNull(ledger);
    }

    /** A release the ledger vouches for, with where it is in the log. */
    public record PublishedRelease(EnclaveRelease release, long ledgerIndex, long checkpointSize) {

        /** The SEV-SNP launch digests this release names. */
        public List<byte[]> sevSnpMeasurements() {
            return release.measurements().stream()
                    .filter(m -> m instanceof PlatformMeasurement.SevSnp)
                    .map(m -> ((PlatformMeasurement.SevSnp) m).launchDigest().toByteArray())
                    .toList();
        }

        /** The SHA-384 digests of the driver and VBIOS RIMs this release names for its GPUs. */
        public List<Bytes> gpuRimDigests() {
            List<Bytes> out = new ArrayList<>();
            for (GpuReferenceValue g : release.gpus()) {
                for (Digest d : List.of(g.driverRim(), g.vbiosRim())) {
                    if (d.algorithm() == Digest.Algorithm.SHA_384) {
                        out.add(d.value());
                    }
                }
            }
            return List.copyOf(out);
        }
    }

    /**
     * @return every release whose proof verifies (never empty)
     * @throws KeyConsistencyException when no proof carries a release that verifies, with each reason
     */
    public List<PublishedRelease> check(KeyProofs proofs, Instant now) throws KeyConsistencyException {
        List<PublishedRelease> accepted = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (TlogProof proof : proofs.proofs()) {
            byte[] entry = proof.extra().orElseThrow().toByteArray();
            try {
                if (!(LedgerEntry.decode(entry) instanceof EnclaveRelease release)) {
                    reasons.add("entry " + proof.index() + " is not an enclave release");
                    continue;
                }
                LogVerifier.Verified verified = ledger.verify(entry, proof, now);
                accepted.add(new PublishedRelease(
                        release, verified.index(), verified.checkpoint().size()));
            } catch (LedgerException | IOException | RuntimeException e) {
                reasons.add("entry " + proof.index() + ": " + e.getMessage());
            }
        }
        if (accepted.isEmpty()) {
            throw new KeyConsistencyException("no enclave release verifies in the ledger"
                    + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons)));
        }
        return List.copyOf(accepted);
    }

    /**
     * {@code gpu} with a {@link RaTlsPolicy.FromLedger} RIM requirement replaced by the driver and VBIOS RIM digests
     * the verified {@code releases} name (a confidential GPU is proven by its measurements matching those RIMs); any
     * other requirement unchanged.
     *
     * @throws KeyConsistencyException if the requirement is {@code FromLedger} and no release names a RIM
     */
    public static RaTlsPolicy.GpuRequirement applyPublishedRims(
            RaTlsPolicy.GpuRequirement gpu, List<PublishedRelease> releases) throws KeyConsistencyException {
        if (!(gpu instanceof RaTlsPolicy.RequireGpu r) || !(r.rims() instanceof RaTlsPolicy.FromLedger)) {
            return gpu;
        }
        List<Bytes> rims =
                releases.stream().flatMap(p -> p.gpuRimDigests().stream()).toList();
        if (rims.isEmpty()) {
            throw new KeyConsistencyException(
                    "the GPU policy requires RIMs named by a published release, and no published release names any");
        }
        return r.withRims(new RaTlsPolicy.PublishedRims(rims));
    }

    /** The published release whose SEV-SNP measurement is {@code measurement}, if any. */
    public static Optional<PublishedRelease> find(List<PublishedRelease> releases, byte[] measurement) {
        return releases.stream()
                .filter(r -> r.sevSnpMeasurements().stream().anyMatch(m -> Arrays.equals(m, measurement)))
                .findFirst();
    }
}
