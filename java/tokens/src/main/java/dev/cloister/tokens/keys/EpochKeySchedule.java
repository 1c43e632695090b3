package dev.cloister.tokens.keys;

import dev.cloister.tokens.oprf.OprfKeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Issuer key rotation by epoch. At any time the schedule holds the current epoch's key (used for issuance) and the
 * next epoch's key (published ahead, so clients and the ledger see it before it is used); tokens stay redeemable for a
 * grace period after their epoch ends. Every key is published through {@link KeyPublication} before this class
 * returns it in any form, so issuing or redeeming under an unpublished key is impossible.
 * Thread-safe; publication happens at most once per key.
 */
public final class EpochKeySchedule {
    private final EpochSchedule schedule;
    private final EpochKeySource source;
    private final KeyPublication publication;
    private final Duration redemptionGrace;
    private final ConcurrentSkipListMap<Epoch, PublishedIssuerKey> keys = new ConcurrentSkipListMap<>();

    /**
     * @param redemptionGrace how long after its epoch a key still redeems tokens (at most one epoch)
     */
    public EpochKeySchedule(
            EpochSchedule schedule, EpochKeySource source, KeyPublication publication, Duration redemptionGrace) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.source = Objects.requireNonNull(source, "source");
        this.publication = Objects.requireNonNull(publication, "publication");
        this.redemptionGrace = Objects.requireNonNull(redemptionGrace, "redemptionGrace");
        if (redemptionGrace.isNegative() || redemptionGrace.compareTo(schedule.length()) > 0) {
            throw new IllegalArgumentException(
                    "redemption grace must be between 0 and one epoch, got " + redemptionGrace);
        }
    }

    public EpochSchedule schedule() {
        return schedule;
    }

    public Epoch epochAt(Instant now) {
        return schedule.epochAt(now);
    }

    /** The published key for the epoch containing {@code now}, the one to issue with; publishes it and the next. */
    public PublishedIssuerKey issuanceKey(Instant now) throws KeyPublicationException {
        Epoch current = schedule.epochAt(now);
        PublishedIssuerKey key = published(current);
        published(current.next());
        prune(current);
        return key;
    }

    /** The keys a client may see in the issuer directory at {@code now}: the current and the next epoch's. */
    public List<IssuerKey> directoryKeys(Instant now) throws KeyPublicationException {
        Epoch current = schedule.epochAt(now);
        return List.of(published(current).key(), published(current.next()).key());
    }

    /** The published keys that issue at {@code now} (current, and next so early adopters of the directory work). */
    public List<PublishedIssuerKey> issuingKeys(Instant now) throws KeyPublicationException {
        Epoch current = schedule.epochAt(now);
        return List.of(published(current), published(current.next()));
    }

    /**
     * The published keys whose tokens are redeemable at {@code now}: the current and next epochs' (the issuer issues with
     * both, so a client whose clock runs ahead at an epoch boundary is served) and, within the grace, the previous.
     */
    public List<PublishedIssuerKey> redemptionKeys(Instant now) throws KeyPublicationException {
        Epoch current = schedule.epochAt(now);
        List<PublishedIssuerKey> out = new ArrayList<>(3);
        out.add(published(current));
        out.add(published(current.next()));
        if (current.index() > 0) {
            PublishedIssuerKey previous = published(current.previous());
            if (previous.key().redeemsAt(now)) {
                out.add(previous);
            }
        }
        return out;
    }

    /**
     * A key that this schedule published recently and is no longer redeemable at {@code now}, if {@code keyId} names
     * one: lets a redeemer say "expired" rather than "unknown".
     */
    public Optional<IssuerKey> expiredKey(TokenKeyId keyId, Instant now) {
        for (Map.Entry<Epoch, PublishedIssuerKey> e : keys.entrySet()) {
            IssuerKey k = e.getValue().key();
            if (k.keyId().equals(keyId) && !now.isBefore(k.redemptionEnds())) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The published key of {@code epoch}, publishing it first if needed. */
    public PublishedIssuerKey published(Epoch epoch) throws KeyPublicationException {
        PublishedIssuerKey existing = keys.get(epoch);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            existing = keys.get(epoch);
            if (existing != null) {
                return existing;
            }
            OprfKeyPair pair = source.keyPairFor(epoch);
            IssuerKey key = new IssuerKey(
                    epoch,
                    IssuerPublicKey.of(pair.publicKey()),
                    schedule.start(epoch),
                    schedule.end(epoch),
                    schedule.end(epoch).plus(redemptionGrace));
            PublicationReceipt receipt;
            try {
                receipt = publication.publish(key);
            } catch (KeyPublicationException e) {
                throw new KeyPublicationException("while publishing the issuer key of epoch " + epoch.index(), e);
            }
            if (receipt == null || !receipt.keyId().equals(key.keyId())) {
                throw new KeyPublicationException("publication receipt for epoch " + epoch.index() + " names key "
                        + (receipt == null ? "none" : receipt.keyId()) + ", want " + key.keyId());
            }
            PublishedIssuerKey published = new PublishedIssuerKey(key, pair, receipt);
            keys.put(epoch, published);
            return published;
        }
    }

    /** Forgets keys more than two epochs old; they can neither issue nor redeem. */
    private void prune(Epoch current) {
        if (current.index() >= 3) {
            keys.headMap(new Epoch(current.index() - 2)).clear();
        }
    }
}
