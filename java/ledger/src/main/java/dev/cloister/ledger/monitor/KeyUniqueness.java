package dev.cloister.ledger.monitor;

import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger's rules against tagging users with keys (RFC 9576 §6.2 key consistency): a key that only one user is
 * shown must still be logged, and these rules make a second key visible and refusable.
 * <ul>
 *   <li>An issuer has one key per token type at any instant: an {@link IssuerKeyEntry} whose epoch overlaps the epoch
 *       of another logged key of the same (issuer name, token type) is a violation. (Epochs are consecutive windows;
 *       an issuer rotates by logging the next epoch's key, whose window starts where the current one ends.)
 *   <li>At most {@code maxConcurrentOhttpKeys} {@link OhttpKeyConfigEntry} windows contain any one instant: a gateway
 *       needs its current key, its successor while it rotates, and a few more across restarts, not one per user.
 * </ul>
 * The exact same entry again is not a violation (the ledger does not append it twice anyway). Entries are
 * {@linkplain #admit admitted} in log order; the first violating entry is refused (by the ledger) or reported (by a
 * monitor), with the index of the entry it collides with.
 */
public final class KeyUniqueness {

    /** The default bound on OHTTP key configurations valid at the same instant. */
    public static final int DEFAULT_MAX_CONCURRENT_OHTTP_KEYS = 4;

    private record Logged<E>(long index, E entry) {}

    private record IssuerKeyType(String issuerName, int tokenType) {}

    private final int maxConcurrentOhttpKeys;
    private final Map<IssuerKeyType, List<Logged<IssuerKeyEntry>>> issuerKeys = new HashMap<>();
    private final List<Logged<OhttpKeyConfigEntry>> ohttpKeys = new ArrayList<>();

    public KeyUniqueness(int maxConcurrentOhttpKeys) {
        if (maxConcurrentOhttpKeys < 1) {
            throw new IllegalArgumentException("at least one OHTTP key must be allowed at a time");
        }
        this.maxConcurrentOhttpKeys = maxConcurrentOhttpKeys;
    }

    public int maxConcurrentOhttpKeys() {
        return maxConcurrentOhttpKeys;
    }

    /** Why {@code entry} would break a rule if it were logged now, or empty if it would not. */
    public synchronized Optional<String> violation(LedgerEntry entry) {
        return switch (entry) {
            case IssuerKeyEntry key -> issuerViolation(key);
            case OhttpKeyConfigEntry key -> ohttpViolation(key);
            default -> Optional.empty();
        };
    }

    /**
     * Records {@code entry} as logged at {@code index} (whether or not it broke a rule: it is in the log), or as
     * accepted for logging when {@code index} is negative (its index is not known yet).
     */
    public synchronized void admit(long index, LedgerEntry entry) {
        switch (entry) {
            case IssuerKeyEntry key ->
                issuerKeys
                        .computeIfAbsent(new IssuerKeyType(key.issuerName(), key.tokenType()), k -> new ArrayList<>())
                        .add(new Logged<>(index, key));
            case OhttpKeyConfigEntry key -> ohttpKeys.add(new Logged<>(index, key));
            default -> {}
        }
    }

    private Optional<String> issuerViolation(IssuerKeyEntry key) {
        for (Logged<IssuerKeyEntry> other :
                issuerKeys.getOrDefault(new IssuerKeyType(key.issuerName(), key.tokenType()), List.of())) {
            if (other.entry().equals(key)) {
                return Optional.empty();
            }
            if (overlap(
                    key.notBefore(),
                    key.notAfter(),
                    other.entry().notBefore(),
                    other.entry().notAfter())) {
                return Optional.of("issuer " + key.issuerName() + " already logged a key for token type 0x"
                        + String.format("%04x", key.tokenType()) + " valid "
                        + other.entry().notBefore() + " .. "
                        + other.entry().notAfter() + " (" + where(other.index()) + "); this key's epoch "
                        + key.notBefore() + " .. " + key.notAfter() + " overlaps it");
            }
        }
        return Optional.empty();
    }

    private Optional<String> ohttpViolation(OhttpKeyConfigEntry key) {
        List<Logged<OhttpKeyConfigEntry>> overlapping = new ArrayList<>();
        for (Logged<OhttpKeyConfigEntry> other : ohttpKeys) {
            if (other.entry().equals(key)) {
                return Optional.empty();
            }
            if (overlap(
                    key.notBefore(),
                    key.notAfter(),
                    other.entry().notBefore(),
                    other.entry().notAfter())) {
                overlapping.add(other);
            }
        }
        // The most windows that contain one instant of this key's window: an instant where the count peaks is the
        // start of some window (this key's or another's, clipped to this key's).
        List<Instant> starts = new ArrayList<>();
        starts.add(key.notBefore());
        for (Logged<OhttpKeyConfigEntry> o : overlapping) {
            if (o.entry().notBefore().isAfter(key.notBefore()))
                starts.add(o.entry().notBefore());
        }
        for (Instant t : starts) {
            List<String> valid = new ArrayList<>();
            for (Logged<OhttpKeyConfigEntry> o : overlapping) {
                if (!t.isBefore(o.entry().notBefore()) && t.isBefore(o.entry().notAfter())) valid.add(where(o.index()));
            }
            if (valid.size() + 1 > maxConcurrentOhttpKeys) {
                return Optional.of("at " + t + " " + (valid.size() + 1) + " OHTTP key configurations would be valid"
                        + " (" + String.join(", ", valid) + " and this one); the rule allows "
                        + maxConcurrentOhttpKeys);
            }
        }
        return Optional.empty();
    }

    private static String where(long index) {
        return index < 0 ? "a submission accepted for logging" : "entry " + index;
    }

    /** Whether {@code [a0, a1)} and {@code [b0, b1)} share an instant. */
    private static boolean overlap(Instant a0, Instant a1, Instant b0, Instant b1) {
        return a0.isBefore(b1) && b0.isBefore(a1);
    }
}
