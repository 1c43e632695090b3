package dev.cloister.operator.tokens;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.tokens.keys.IssuerKey;
import dev.cloister.tokens.keys.KeyPublication;
import dev.cloister.tokens.keys.KeyPublicationException;
import dev.cloister.tokens.keys.PublicationReceipt;
import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.privacypass.TokenType;
import io.vertx.core.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each issuer key in the transparency ledger (entry type 0x03, {@link IssuerKeyEntry}: token type 0x0001,
 * the issuer's name, pkI, valid from the epoch's start to the end of its issuance) before the key schedule hands it out,
 * and keeps the proofs that the issuer serves at {@code /token-key-proofs}. Clients obtain tokens only under a key the
 * ledger vouches for ({@code client.keys.IssuerKeyConsistency}), so an issuer that gave one user a key of its own would
 * have to publish it for everyone to see (RFC 9576 §6.2).
 *
 * <p>{@link #publish} waits for the ledger's answer, so it refuses to run on an event loop (the issuer calls the key
 * schedule from worker threads); a key already published returns at once.
 */
public final class IssuerKeyPublication implements KeyPublication, Supplier<KeyProofs> {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerKeyPublication.class);

    private final LedgerPublisher ledger;
    private final String issuerName;
    private final Duration timeout;
    private final Clock clock;
    private final Map<TokenKeyId, Published> published = new ConcurrentHashMap<>();

    private record Published(IssuerKey key, TlogProof proof) {}

    /**
     * @param issuerName the issuer_name of the token challenges these keys sign for (the ledger entry's name)
     * @param timeout    how long one publication may take before the key is refused
     */
    public IssuerKeyPublication(LedgerPublisher ledger, String issuerName, Duration timeout, Clock clock) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.issuerName = Objects.requireNonNull(issuerName, "issuerName");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The ledger entry that publishes {@code key} (times rounded outwards to whole seconds). */
    public IssuerKeyEntry entry(IssuerKey key) {
        Instant end = key.issuanceEnds();
        Instant notAfter = end.truncatedTo(ChronoUnit.SECONDS).plusSeconds(end.getNano() == 0 ? 0 : 1);
        return new IssuerKeyEntry(
                TokenType.VOPRF_P384_SHA384.code(),
                issuerName,
                Bytes.of(key.publicKey().encoded()),
                key.notBefore().truncatedTo(ChronoUnit.SECONDS),
                notAfter);
    }

    @Override
    public PublicationReceipt publish(IssuerKey key) throws KeyPublicationException {
        Published known = published.get(key.keyId());
        if (known != null) {
            return new PublicationReceipt(key.keyId(), Bytes.of(known.proof().encode()));
        }
        if (Context.isOnEventLoopThread()) {
            throw new KeyPublicationException("issuer key " + key.keyId() + " of epoch "
                    + key.epoch().index() + " is not published yet, and publishing would block an event loop");
        }
        try {
            LedgerPublisher.Published answer = ledger.publish(entry(key).encode())
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            published.put(key.keyId(), new Published(key, answer.proof()));
            LOG.info(
                    "issuer key {} of epoch {} published in the ledger at index {}",
                    key.keyId(),
                    key.epoch().index(),
                    answer.index());
            prune();
            return new PublicationReceipt(key.keyId(), Bytes.of(answer.proof().encode()));
        } catch (ExecutionException e) {
            throw new KeyPublicationException(
                    "the ledger refused issuer key " + key.keyId() + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KeyPublicationException(
                    "the ledger did not publish issuer key " + key.keyId() + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyPublicationException("interrupted while publishing issuer key " + key.keyId(), e);
        }
    }

    /** The proofs of the keys that still redeem, newest epoch first (served at {@code /token-key-proofs}). */
    @Override
    public KeyProofs get() {
        Instant now = clock.instant();
        List<Published> live = new ArrayList<>();
        for (Published p : published.values()) {
            if (now.isBefore(p.key().redemptionEnds())) {
                live.add(p);
            }
        }
        live.sort(Comparator.comparingLong((Published p) -> p.key().epoch().index())
                .reversed());
        return new KeyProofs(
                live.stream().limit(KeyProofs.MAX_PROOFS).map(Published::proof).toList());
    }

    /** Drops the proofs of keys that no longer redeem, so that the map holds a few epochs at most. */
    private void prune() {
        Instant now = clock.instant();
        published.values().removeIf(p -> !now.isBefore(p.key().redemptionEnds()));
    }
}
