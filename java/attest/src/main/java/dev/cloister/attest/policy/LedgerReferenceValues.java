package dev.cloister.attest.policy;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.PlatformMeasurement;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.proof.TlogProof;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reference values taken from the transparency ledger (RFC 9334 reference value provider): the {@link EnclaveRelease}
 * entries whose inclusion in the log was verified by the ledger's client ({@link LogVerifier#verifyInclusion}: log
 * signature, witness quorum at {@code now}, Merkle inclusion, consistency with the checkpoint remembered). Only then
 * do their measurements become reference values for a policy: the launch digests for SEV-SNP, MRTD + RTMR0-3 for TDX
 * (one policy per release, so that registers of different releases are never mixed), the RIM digests for GPUs.
 */
public final class LedgerReferenceValues {

    /**
     * A release entry as the ledger serves it, with its proof.
     *
     * @param entry the canonical encoding of the {@link EnclaveRelease} entry
     * @param proof its c2sp.org/tlog-proof
     */
    public record PublishedRelease(Bytes entry, TlogProof proof) {
        public PublishedRelease {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(proof, "proof");
        }
    }

    private final List<EnclaveRelease> releases;

    private LedgerReferenceValues(List<EnclaveRelease> releases) {
        this.releases = List.copyOf(releases);
    }

    /**
     * Decodes each entry (it must be an enclave release) and verifies its inclusion proof with {@code log}. Any failure
     * refuses the whole set: a release that is not provably in the log is not a reference value.
     */
    public static LedgerReferenceValues verify(
            Instant now, LogVerifier log, ConsistencyProofSource proofs, List<PublishedRelease> published)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(log, "log");
        if (published.isEmpty()) {
            throw new AttestationException("no ledger release was supplied");
        }
        List<EnclaveRelease> out = new ArrayList<>();
        for (int i = 0; i < published.size(); i++) {
            PublishedRelease p = published.get(i);
            try {
                LedgerEntry e = LedgerEntry.decode(p.entry.toByteArray());
                if (!(e instanceof EnclaveRelease r)) {
                    throw new AttestationException(
                            "the entry is a " + e.getClass().getSimpleName() + ", not an enclave release");
                }
                log.verifyInclusion(r.leafHash(), p.proof(), proofs, now);
                out.add(r);
            } catch (LedgerException | IOException e) {
                throw new AttestationException(
                        "while verifying ledger release " + i + " (log "
                                + log.log().origin() + "): " + e.getMessage(),
                        e);
            } catch (AttestationException e) {
                throw e.whileDoing("reading ledger release " + i);
            }
        }
        return new LedgerReferenceValues(out);
    }

    /** The verified releases. */
    public List<EnclaveRelease> releases() {
        return releases;
    }

    /** {@code policy} with MEASUREMENT required to be the launch digest of one of the verified releases. */
    public SevSnpPolicy applyTo(SevSnpPolicy policy) throws AttestationException {
        List<Bytes> digests = new ArrayList<>();
        for (EnclaveRelease r : releases) {
            for (PlatformMeasurement m : r.measurements()) {
                if (m instanceof PlatformMeasurement.SevSnp s) {
                    digests.add(s.launchDigest());
                }
            }
        }
        if (digests.isEmpty()) {
            throw new AttestationException("no verified ledger release has an SEV-SNP measurement");
        }
        return policy.withMeasurement(new ReferenceValue.Digests(digests));
    }

    /**
     * One policy per verified release that has a TDX measurement: {@code policy} with MRTD and RTMR0-3 required to be
     * exactly that release's. Evidence is accepted when it satisfies any one of them.
     */
    public List<TdxPolicy> applyTo(TdxPolicy policy) throws AttestationException {
        List<TdxPolicy> out = new ArrayList<>();
        for (EnclaveRelease r : releases) {
            for (PlatformMeasurement m : r.measurements()) {
                if (m instanceof PlatformMeasurement.Tdx t) {
                    List<ReferenceValue> rtmrs = t.rtmrs().stream()
                            .map(x -> (ReferenceValue) new ReferenceValue.Digests(List.of(x)))
                            .toList();
                    out.add(policy.withMrTd(new ReferenceValue.Digests(List.of(t.mrtd())))
                            .withRtmrs(rtmrs));
                }
            }
        }
        if (out.isEmpty()) {
            throw new AttestationException("no verified ledger release has a TDX measurement");
        }
        return List.copyOf(out);
    }

    /**
     * Whether a signed RIM document (the bytes of the {@code .swidtag} file) is one that a verified release names for
     * a GPU, as its driver or VBIOS RIM: the RIMs a GPU policy may match against are exactly these.
     *
     * @throws AttestationException if no verified release names this RIM's digest
     */
    public void requirePublishedRim(byte[] rimDocument) throws AttestationException {
        for (EnclaveRelease r : releases) {
            for (GpuReferenceValue g : r.gpus()) {
                for (Digest d : List.of(g.driverRim(), g.vbiosRim())) {
                    if (d.value().contentEquals(digest(d.algorithm(), rimDocument))) {
                        return;
                    }
                }
            }
        }
        throw new AttestationException("the RIM (SHA-384 " + Hex.format(digest(Digest.Algorithm.SHA_384, rimDocument))
                + ") is not named by any verified ledger release");
    }

    private static byte[] digest(Digest.Algorithm a, byte[] data) {
        String name = switch (a) {
            case SHA_256 -> "SHA-256";
            case SHA_384 -> "SHA-384";
            case SHA_512 -> "SHA-512";
        };
        try {
            return MessageDigest.getInstance(name).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
