package dev.cloister.operator.gateway;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyRing;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each of the gateway's key configurations in the transparency ledger (entry type 0x02, valid from the key's
 * start to its end) and keeps the proofs that the gateway serves at {@code /ohttp-keys/proofs} beside the keys. A key
 * is published before clients can use it: clients refuse a configuration the ledger does not vouch for
 * ({@code KeyConsistency}). One instance is shared by every gateway verticle.
 */
public final class KeyPublication implements Supplier<KeyProofs> {

    private static final Logger LOG = LoggerFactory.getLogger(KeyPublication.class);

    private final Supplier<KeyRing> keys;
    private final LedgerPublisher ledger;
    private final Clock clock;
    private final Map<String, TlogProof> proofs = new ConcurrentHashMap<>();
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

    public KeyPublication(Supplier<KeyRing> keys, LedgerPublisher ledger, Clock clock) {
        this.keys = keys;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** Publishes every key of the ring that has no proof yet; completes when all of them have one. */
    public Future<Void> publishMissing() {
        List<Future<?>> pending = new ArrayList<>();
        for (GatewayKey key : keys.get().keys()) {
            byte[] config = key.config().encode();
            String id = HexFormat.of().formatHex(config);
            if (proofs.containsKey(id) || inFlight.putIfAbsent(id, Boolean.TRUE) != null) {
                continue;
            }
            Instant notBefore = key.notBefore().truncatedTo(ChronoUnit.SECONDS);
            Instant notAfter = key.notAfter()
                    .truncatedTo(ChronoUnit.SECONDS)
                    .plusSeconds(key.notAfter().getNano() == 0 ? 0 : 1);
            byte[] entry = new OhttpKeyConfigEntry(Bytes.of(config), notBefore, notAfter).encode();
            pending.add(ledger.publish(entry)
                    .onSuccess(published -> {
                        proofs.put(id, published.proof());
                        LOG.info(
                                "key config {} published in the ledger at index {}",
                                key.config().keyId(),
                                published.index());
                    })
                    .onFailure(e -> LOG.warn(
                            "publishing key config {} in the ledger failed",
                            key.config().keyId()))
                    .onComplete(r -> inFlight.remove(id)));
        }
        return Future.all(pending).mapEmpty();
    }

    /** The proofs of the keys the ring still holds (a retired key's proof is dropped with it). */
    @Override
    public KeyProofs get() {
        List<TlogProof> current = new ArrayList<>();
        Instant now = clock.instant();
        for (GatewayKey key : keys.get().keys()) {
            if (!key.advertisedAt(now)) continue;
            TlogProof proof = proofs.get(HexFormat.of().formatHex(key.config().encode()));
            if (proof != null) current.add(proof);
        }
        return new KeyProofs(current);
    }
}
