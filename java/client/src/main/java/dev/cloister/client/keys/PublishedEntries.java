package dev.cloister.client.keys;

import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The ledger entries of a proof document that vouch for something the client is about to use (a gateway key
 * configuration, an issuer key): an entry of the wanted type that names it, has no reason to be refused (its window,
 * its issuer), and whose proof verifies against the client's log identity and witness policy at {@code now} and is
 * consistent with what the client saw of the log before ({@link LedgerView}).
 */
final class PublishedEntries {

    private final LedgerView ledger;

    PublishedEntries(LedgerView ledger) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    /** An entry and its verified proof. */
    record Vouched<E extends LedgerEntry>(E entry, LogVerifier.Verified proof) {}

    /**
     * The first entry of {@code type} that {@code names} selects, that {@code refusal} has nothing against (it answers
     * null, or the reason) and whose proof verifies. Entries that do not decode or are of another type are skipped, so
     * a document cannot hide a good entry behind a bad one.
     *
     * @param which names what is checked, for the reasons
     * @throws KeyConsistencyException with the last selected entry's reason, or "no ledger entry" when none was selected
     */
    <E extends LedgerEntry> Vouched<E> find(
            KeyProofs proofs, Class<E> type, Predicate<E> names, Function<E, String> refusal, Instant now, String which)
            throws KeyConsistencyException {
        String reason = null;
        for (TlogProof proof : proofs.proofs()) {
            byte[] entryBytes = proof.extra().orElseThrow().toByteArray();
            LedgerEntry decoded;
            try {
                decoded = LedgerEntry.decode(entryBytes);
            } catch (LedgerException | RuntimeException e) {
                continue;
            }
            if (!type.isInstance(decoded) || !names.test(type.cast(decoded))) {
                continue;
            }
            E entry = type.cast(decoded);
            String refused = refusal.apply(entry);
            if (refused != null) {
                reason = which + ": " + refused;
                continue;
            }
            try {
                return new Vouched<>(entry, ledger.verify(entryBytes, proof, now));
            } catch (LedgerException e) {
                reason = which + ": while verifying its ledger proof: " + e.getMessage();
            } catch (IOException e) {
                reason = which + ": the remembered checkpoint cannot be read or written: " + e.getMessage();
            }
        }
        throw new KeyConsistencyException(reason != null ? reason : which + ": no ledger entry for these key bytes");
    }

    /**
     * Every entry of {@code type} that {@code selects} and whose proof verifies (the others are skipped: an entry
     * whose proof fails cannot be held against anyone).
     */
    <E extends LedgerEntry> java.util.List<Vouched<E>> all(
            KeyProofs proofs, Class<E> type, Predicate<E> selects, Instant now) {
        java.util.List<Vouched<E>> out = new java.util.ArrayList<>();
        for (TlogProof proof : proofs.proofs()) {
            byte[] entryBytes = proof.extra().orElseThrow().toByteArray();
            try {
                LedgerEntry decoded = LedgerEntry.decode(entryBytes);
                if (type.isInstance(decoded) && selects.test(type.cast(decoded))) {
                    out.add(new Vouched<>(type.cast(decoded), ledger.verify(entryBytes, proof, now)));
                }
            } catch (LedgerException | IOException | RuntimeException e) {
                // not vouched for: ignored
            }
        }
        return out;
    }
}
