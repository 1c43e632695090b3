package dev.cloister.ledger.witness;

import dev.cloister.ledger.PolicyException;
import dev.cloister.ledger.note.Note;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A k-of-n witness policy (c2sp.org/tlog-proof §"Verifying a tlog proof" step 3, c2sp.org/tlog-policy "quorum"):
 * a checkpoint is trusted when at least {@code quorum} of the named {@code witnesses} cosigned it, each cosignature no
 * older than {@code maxAge} and no further in the future than {@code maxClockSkew} at the verification time.
 * A quorum of 0 is written {@link #none()}, never implied.
 */
public record WitnessPolicy(List<CosignatureVerifier> witnesses, int quorum, Duration maxAge, Duration maxClockSkew) {

    /** A witness cosignature that counted toward the quorum. */
    public record Cosignature(String witness, Instant time) {}

    public WitnessPolicy {
        witnesses = List.copyOf(witnesses);
        Set<String> names = new HashSet<>();
        for (CosignatureVerifier w : witnesses) {
            if (!names.add(w.name())) {
                throw new IllegalArgumentException("witness " + w.name() + " named twice");
            }
        }
        if (quorum < 0 || quorum > witnesses.size()) {
            throw new IllegalArgumentException("quorum " + quorum + " of " + witnesses.size() + " witnesses");
        }
        if (maxAge.isNegative() || maxClockSkew.isNegative()) {
            throw new IllegalArgumentException("negative max age or clock skew");
        }
    }

    /** k of the given witnesses, cosignatures at most {@code maxAge} old, 5 minutes of clock skew allowed. */
    public static WitnessPolicy quorum(int k, List<CosignatureVerifier> witnesses, Duration maxAge) {
        return new WitnessPolicy(witnesses, k, maxAge, Duration.ofMinutes(5));
    }

    /** No witness required: the log's signature alone is trusted. Written out so that skipping witnesses is explicit. */
    public static WitnessPolicy none() {
        return new WitnessPolicy(List.of(), 0, Duration.ZERO, Duration.ZERO);
    }

    /**
     * Checks the verified cosignatures of {@code note} (all signatures by known keys have already verified).
     *
     * @return the cosignatures that counted
     * @throws PolicyException when fewer than {@code quorum} witnesses cosigned within the time window
     */
    /**
     * Checks that a quorum of the witnesses cosigned {@code note} at or before {@code by}: evidence that the checkpoint,
     * and every entry in it, was public at that time (how long an entry has been in the log). Unlike {@link #check},
     * cosignatures are not required to be recent. A policy without witnesses has nothing that dates a checkpoint, so
     * it refuses.
     *
     * @return the cosignatures that counted
     * @throws PolicyException when fewer than {@code quorum} witnesses cosigned at or before {@code by}
     */
    public List<Cosignature> checkWitnessedBy(Note note, Instant by) throws PolicyException {
        if (quorum == 0) {
            throw new PolicyException(
                    "while dating a checkpoint: the witness policy has no quorum, so nothing says when "
                            + "the checkpoint was public");
        }
        List<Cosignature> counted = new ArrayList<>();
        int later = 0;
        for (Note.VerifiedSignature v : note.verified()) {
            if (!(v.verifier() instanceof CosignatureVerifier w) || !witnesses.contains(w)) {
                continue;
            }
            long seconds = CosignatureV1.timestamp(v.signature().signature().toByteArray());
            if (seconds > by.getEpochSecond()) {
                later++;
            } else {
                counted.add(new Cosignature(w.name(), Instant.ofEpochSecond(seconds)));
            }
        }
        if (counted.size() < quorum) {
            throw new PolicyException("while dating a checkpoint: " + counted.size() + " cosignatures at or before "
                    + by + ", want " + quorum + " of " + witnesses.size() + " (" + later + " later)");
        }
        return counted;
    }

    public List<Cosignature> check(Note note, Instant now) throws PolicyException {
        List<Cosignature> counted = new ArrayList<>();
        if (quorum == 0) {
            return counted;
        }
        int stale = 0;
        int future = 0;
        for (Note.VerifiedSignature v : note.verified()) {
            if (!(v.verifier() instanceof CosignatureVerifier w) || !witnesses.contains(w)) {
                continue;
            }
            long seconds = CosignatureV1.timestamp(v.signature().signature().toByteArray());
            if (seconds > Instant.MAX.getEpochSecond()) {
                future++; // beyond what Instant holds: certainly in the future
                continue;
            }
            Instant t = Instant.ofEpochSecond(seconds);
            if (t.isBefore(now.minus(maxAge))) {
                stale++;
            } else if (t.isAfter(now.plus(maxClockSkew))) {
                future++;
            } else {
                counted.add(new Cosignature(w.name(), t));
            }
        }
        if (counted.size() < quorum) {
            throw new PolicyException("while checking the witness policy: " + counted.size()
                    + " valid cosignatures, want "
                    + quorum + " of " + witnesses.size() + " (" + stale + " older than " + maxAge + ", " + future
                    + " in the future)");
        }
        return counted;
    }
}
