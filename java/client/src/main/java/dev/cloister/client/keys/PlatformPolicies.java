package dev.cloister.client.keys;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.TcbFloors;
import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.attest.sevsnp.TrustedArk;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.PlatformPolicy;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which SEV-SNP TCB floors a client applies: those of the newest {@link PlatformPolicy} in the ledger (entry type
 * 0x05) that is proven in the log under the witness quorum and signed by the platform-policy key the client is
 * configured with, raised to the floors the client ships with ({@link TcbFloors#shipped()} for genuine AMD
 * hardware). A policy in the log can raise a floor (a new AMD bulletin, no client update needed); nothing in the log
 * can lower one below the shipped values, so an operator who signs policies cannot admit hardware the client's own
 * release already refuses.
 */
public final class PlatformPolicies {

    private final LedgerView ledger;
    private final NoteVerifier key;

    /**
     * @param ledger the client's view of the ledger (log key, witness quorum, remembered checkpoint)
     * @param key the key platform policies must be signed with
     */
    public PlatformPolicies(LedgerView ledger, NoteVerifier key) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.key = Objects.requireNonNull(key, "key");
    }

    /** A policy the ledger vouches for and the configured key signed, with where it is in the log. */
    public record PublishedPolicy(PlatformPolicy policy, long ledgerIndex) {
        public TcbFloors floors() {
            return TcbFloors.of(policy);
        }
    }

    /**
     * What {@link #newest} found: the policy taken (if any) and, for every proof not taken, why.
     *
     * @param newest the valid policy with the latest {@code issued_at} (the later log index on a tie)
     * @param notTaken one reason per proof that was not a valid policy
     */
    public record Selection(Optional<PublishedPolicy> newest, List<String> notTaken) {
        public Selection {
            Objects.requireNonNull(newest, "newest");
            notTaken = List.copyOf(notTaken);
        }
    }

    /**
     * The newest valid policy among {@code proofs}. A proof is not taken when its entry is not a platform policy, its
     * signature does not verify under the configured key, or its inclusion does not verify (log signature, witness
     * quorum at {@code now}, Merkle path, consistency with the remembered checkpoint); an entry issued after
     * {@code now} is not taken either.
     */
    public Selection newest(KeyProofs proofs, Instant now) {
        Optional<PublishedPolicy> best = Optional.empty();
        List<String> notTaken = new ArrayList<>();
        for (TlogProof proof : proofs.proofs()) {
            byte[] entry =
                    proof.extra().map(dev.cloister.base.Bytes::toByteArray).orElse(null);
            if (entry == null) {
                notTaken.add("proof of entry " + proof.index() + " carries no entry");
                continue;
            }
            try {
                if (!(LedgerEntry.decode(entry) instanceof PlatformPolicy policy)) {
                    notTaken.add("entry " + proof.index() + " is not a platform policy");
                    continue;
                }
                if (!policy.signedBy(key)) {
                    notTaken.add("entry " + proof.index() + ": the platform policy's signature does not verify under "
                            + key.name() + " (signer " + policy.signer() + ")");
                    continue;
                }
                if (policy.issuedAt().isAfter(now)) {
                    notTaken.add("entry " + proof.index() + ": issued at " + policy.issuedAt() + ", after " + now);
                    continue;
                }
                LogVerifier.Verified verified = ledger.verify(entry, proof, now);
                PublishedPolicy p = new PublishedPolicy(policy, verified.index());
                if (best.isEmpty() || newer(p, best.get())) {
                    best = Optional.of(p);
                }
            } catch (LedgerException | IOException | RuntimeException e) {
                notTaken.add("entry " + proof.index() + ": " + e.getMessage());
            }
        }
        return new Selection(best, notTaken);
    }

    private static boolean newer(PublishedPolicy a, PublishedPolicy b) {
        int c = a.policy().issuedAt().compareTo(b.policy().issuedAt());
        return c > 0 || (c == 0 && a.ledgerIndex() > b.ledgerIndex());
    }

    /**
     * {@code cpu} with its minimum TCB raised to {@code logged}'s floors: a policy without a minimum takes them as
     * they are; one with per-product floors (the shipped ones) takes the higher of the two per component; one with a
     * single floor keeps it for every product line of that layout it trusts and takes the logged floors above it.
     */
    public static SevSnpPolicy apply(SevSnpPolicy cpu, TcbFloors logged) {
        TcbFloors effective = switch (cpu.minimumTcb()) {
            case ReferenceValue.MinimumTcb(var base) when base instanceof TcbFloors f -> f.raisedTo(logged);
            case ReferenceValue.MinimumTcb(var base)
            when base instanceof TcbVersion v ->
                perProduct(cpu.trustedRoots(), v).map(f -> f.raisedTo(logged)).orElse(logged);
            default -> logged;
        };
        return cpu.withMinimumTcb(new ReferenceValue.MinimumTcb(effective));
    }

    private static Optional<TcbFloors> perProduct(List<TrustedArk> roots, TcbVersion floor) {
        Map<ProductLine, TcbVersion> m = new EnumMap<>(ProductLine.class);
        for (TrustedArk r : roots) {
            if (r.product().tcbLayout() == floor.layout()) {
                m.put(r.product(), floor);
            }
        }
        return m.isEmpty() ? Optional.empty() : Optional.of(new TcbFloors(m));
    }
}
