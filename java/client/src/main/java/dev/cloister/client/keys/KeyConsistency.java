package dev.cloister.client.keys;

import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.wire.ohttp.KeyConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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

    private final LogIdentity log;
    private final WitnessPolicy witnesses;

    public KeyConsistency(LogIdentity log, WitnessPolicy witnesses) {
        this.log = Objects.requireNonNull(log, "log");
        this.witnesses = Objects.requireNonNull(witnesses, "witnesses");
    }

    /** A key configuration with the ledger facts that vouch for it (shown in the client's request log). */
    public record ConsistentKey(KeyConfig config, OhttpKeyConfigEntry entry, long ledgerIndex, long checkpointSize,
            String checkpointOrigin, List<WitnessPolicy.Cosignature> cosignatures) {

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
            throw new KeyConsistencyException(advertised.isEmpty()
                    ? "no key configuration advertised"
                    : "no advertised key configuration is in the ledger: " + String.join("; ", reasons));
        }
        return List.copyOf(accepted);
    }

    private ConsistentKey checkOne(KeyConfig config, KeyProofs proofs, Instant now) throws KeyConsistencyException {
        byte[] wanted = config.encode();
        String which = "key config " + config.keyId();
        for (TlogProof proof : proofs.proofs()) {
            byte[] entryBytes = proof.extra().orElseThrow();
            LedgerEntry decoded;
            try {
                decoded = LedgerEntry.decode(entryBytes);
            } catch (LedgerException | RuntimeException e) {
                continue;
            }
            if (!(decoded instanceof OhttpKeyConfigEntry entry) || !Arrays.equals(entry.keyConfig(), wanted)) {
                continue;
            }
            if (!entry.validAt(now)) {
                throw new KeyConsistencyException(which + ": its ledger entry is valid " + entry.notBefore() + " .. "
                        + entry.notAfter() + ", not at " + now);
            }
            try {
                TlogProof.Verified verified = proof.verify(TreeHash.leafHash(entryBytes), log, witnesses, now);
                return new ConsistentKey(config, entry, verified.index(), verified.checkpoint().checkpoint().size(),
                        verified.checkpoint().checkpoint().origin(), verified.cosignatures());
            } catch (LedgerException e) {
                throw new KeyConsistencyException(which + ": while verifying its ledger proof: " + e.getMessage(), e);
            }
        }
        throw new KeyConsistencyException(which + ": no ledger entry for these key bytes");
    }
}
