package dev.cloister.client.keys;

import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.wire.ohttp.KeyConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Key consistency (RFC 9458 §8, "Key consistency"; DESIGN.md: every client gets the same key): a gateway key
 * configuration is used only when the transparency ledger holds an {@code OhttpKeyConfigEntry} for exactly its bytes,
 * valid now, in a checkpoint signed by the log and cosigned by the witness policy's quorum. A gateway that served one
 * user a key of its own would have to publish it for everyone to see.
 *
 * <p>For each advertised configuration, in order: find the proof whose entry names those exact bytes; decode the entry
 * (canonical, type 0x02); check its window contains {@code now}; verify the proof (checkpoint signature and origin,
 * cosignature quorum and age, inclusion of {@code SHA-256(0x00 ‖ entry)}). Configurations that fail are dropped with
 * their reason; when none is left the whole check fails with every reason.
 */
public final class KeyConsistency {

    private final PublishedEntries published;

    public KeyConsistency(LedgerView ledger) {
        this.published = new PublishedEntries(ledger);
    }

    /** A key configuration with the ledger facts that vouch for it (shown in the client's request log). */
    public record ConsistentKey(
            KeyConfig config,
            OhttpKeyConfigEntry entry,
            long ledgerIndex,
            long checkpointSize,
            String checkpointOrigin,
            List<WitnessPolicy.Cosignature> cosignatures) {

        public ConsistentKey {
            cosignatures = List.copyOf(cosignatures);
        }
    }

    /**
     * @return the advertised configurations that the ledger vouches for, in the order advertised (never empty)
     * @throws KeyConsistencyException when none is vouched for, with the reason for each
     */
    public List<ConsistentKey> check(List<KeyConfig> advertised, KeyProofs proofs, Instant now)
            throws KeyConsistencyException {
        List<ConsistentKey> accepted = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (KeyConfig config : advertised) {
            try {
                accepted.add(checkOne(config, proofs, now));
            } catch (KeyConsistencyException e) {
                reasons.add(e.getMessage());
            }
        }
        if (accepted.isEmpty()) {
            throw new KeyConsistencyException(
                    advertised.isEmpty()
                            ? "no key configuration advertised"
                            : "no advertised key configuration is in the ledger: " + String.join("; ", reasons));
        }
        return List.copyOf(accepted);
    }

    private ConsistentKey checkOne(KeyConfig config, KeyProofs proofs, Instant now) throws KeyConsistencyException {
        byte[] wanted = config.encode();
        PublishedEntries.Vouched<OhttpKeyConfigEntry> v = published.find(
                proofs,
                OhttpKeyConfigEntry.class,
                entry -> entry.keyConfig().contentEquals(wanted),
                entry -> entry.validAt(now)
                        ? null
                        : "its ledger entry is valid " + entry.notBefore() + " .. " + entry.notAfter() + ", not at "
                                + now,
                now,
                "key config " + config.keyId());
        return new ConsistentKey(
                config,
                v.entry(),
                v.proof().index(),
                v.proof().checkpoint().size(),
                v.proof().checkpoint().origin(),
                v.proof().cosignatures());
    }
}
