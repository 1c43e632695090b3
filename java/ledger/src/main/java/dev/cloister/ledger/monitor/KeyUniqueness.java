package dev.cloister.ledger.monitor;

import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

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

    /**
     * How long after its end an OHTTP key is still checked against ({@link #forgetExpiredOhttpKeys}): far longer than
     * any client caches a key configuration, so the instants no longer checked are ones no client can use a key at.
     */
    public static final Duration OHTTP_KEY_RETENTION = Duration.ofDays(30);

    /** An entry admitted as the {@code admission}-th one (log order, also for submissions not yet logged). */
    private record Logged<E>(long index, long admission, E entry) {}

    private record IssuerKeyType(String issuerName, int tokenType) {}

    private final int maxConcurrentOhttpKeys;
    private final Map<IssuerKeyType, List<Logged<IssuerKeyEntry>>> issuerKeys = new HashMap<>();
    /** The OHTTP keys kept, by the start of their window and by its end (to forget them). */
    private final TreeMap<Instant, List<Logged<OhttpKeyConfigEntry>>> ohttpKeysByStart = new TreeMap<>();

    private final TreeMap<Instant, List<Logged<OhttpKeyConfigEntry>>> ohttpKeysByEnd = new TreeMap<>();
    /** The longest window admitted: a key overlapping {@code [a, b)} starts after {@code a - longest}. */
    private Duration longestOhttpWindow = Duration.ZERO;
    /** The latest start admitted, and the end of the windows forgotten ({@link #forgetExpiredOhttpKeys}). */
    private Instant latestOhttpStart = Instant.MIN;

    private Instant forgottenUpTo = Instant.MIN;
    private long admissions;

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
                        .add(new Logged<>(index, admissions, key));
            case OhttpKeyConfigEntry key -> {
                Logged<OhttpKeyConfigEntry> logged = new Logged<>(index, admissions, key);
                ohttpKeysByStart
                        .computeIfAbsent(key.notBefore(), k -> new ArrayList<>())
                        .add(logged);
                ohttpKeysByEnd
                        .computeIfAbsent(key.notAfter(), k -> new ArrayList<>())
                        .add(logged);
                Duration window = Duration.between(key.notBefore(), key.notAfter());
                if (window.compareTo(longestOhttpWindow) > 0) longestOhttpWindow = window;
                if (key.notBefore().isAfter(latestOhttpStart)) latestOhttpStart = key.notBefore();
            }
            default -> {}
        }
        admissions++;
    }

    /**
     * Forgets the OHTTP keys that ended {@link #OHTTP_KEY_RETENTION} before {@code now}, or before the latest start
     * admitted if that is earlier (so that a key dated in the future cannot make current keys be forgotten): what a
     * long-running ledger calls, so that memory and the check's cost follow the keys of the last weeks, not of the
     * whole log. From then on the bound is checked at the instants after that horizon only (instants before it are
     * past every client's use), and a key whose whole window lies before it is refused, as it could no longer be
     * checked. A monitor, which reads the whole log, does not call this and checks every instant.
     */
    public synchronized void forgetExpiredOhttpKeys(Instant now) {
        Instant reference = now.isBefore(latestOhttpStart) ? now : latestOhttpStart;
        if (reference.equals(Instant.MIN)) return;
        Instant horizon = reference.minus(OHTTP_KEY_RETENTION);
        if (!horizon.isAfter(forgottenUpTo)) return;
        forgottenUpTo = horizon;
        var ended = ohttpKeysByEnd.headMap(horizon, true);
        for (List<Logged<OhttpKeyConfigEntry>> keys : ended.values()) {
            for (Logged<OhttpKeyConfigEntry> key : keys) {
                List<Logged<OhttpKeyConfigEntry>> sameStart =
                        ohttpKeysByStart.get(key.entry().notBefore());
                sameStart.remove(key);
                if (sameStart.isEmpty()) ohttpKeysByStart.remove(key.entry().notBefore());
            }
        }
        ended.clear();
    }

    /** How many OHTTP keys are kept (for tests). */
    synchronized int keptOhttpKeys() {
        int kept = 0;
        for (List<Logged<OhttpKeyConfigEntry>> keys : ohttpKeysByStart.values()) kept += keys.size();
        return kept;
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

    /**
     * The keys kept whose window overlaps {@code key}'s are found through the index by start (those that start after
     * {@code key}'s start minus the longest window), and the count at each instant by binary search over their sorted
     * starts and ends: {@code O(log n + k log k)} for {@code k} overlapping keys, not {@code O(n + k²)}.
     */
    private Optional<String> ohttpViolation(OhttpKeyConfigEntry key) {
        if (!key.notAfter().isAfter(forgottenUpTo)) {
            return Optional.of("its window " + key.notBefore() + " .. " + key.notAfter() + " ended by " + forgottenUpTo
                    + ", before which the ledger no longer keeps the OHTTP keys it would be checked against");
        }
        List<Logged<OhttpKeyConfigEntry>> overlapping = new ArrayList<>();
        var candidates = ohttpKeysByStart.subMap(key.notBefore().minus(longestOhttpWindow), true, key.notAfter(), true);
        for (List<Logged<OhttpKeyConfigEntry>> keys : candidates.values()) {
            for (Logged<OhttpKeyConfigEntry> other : keys) {
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
        }
        overlapping.sort(Comparator.comparingLong(Logged::admission));
        Instant[] starts = new Instant[overlapping.size()];
        Instant[] ends = new Instant[overlapping.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = overlapping.get(i).entry().notBefore();
            ends[i] = overlapping.get(i).entry().notAfter();
        }
        Arrays.sort(starts);
        Arrays.sort(ends);
        // The most windows that contain one instant of this key's window: an instant where the count peaks is the
        // start of some window (this key's or another's, clipped to this key's and to the instants still checked).
        Instant first = key.notBefore().isBefore(forgottenUpTo) ? forgottenUpTo : key.notBefore();
        List<Instant> instants = new ArrayList<>();
        instants.add(first);
        for (Logged<OhttpKeyConfigEntry> o : overlapping) {
            if (o.entry().notBefore().isAfter(first)) instants.add(o.entry().notBefore());
        }
        for (Instant t : instants) {
            // Valid at t: notBefore <= t < notAfter; every window with notAfter <= t also has notBefore <= t.
            int valid = countAtOrBefore(starts, t) - countAtOrBefore(ends, t);
            if (valid + 1 > maxConcurrentOhttpKeys) {
                List<String> validThen = new ArrayList<>();
                for (Logged<OhttpKeyConfigEntry> o : overlapping) {
                    if (!t.isBefore(o.entry().notBefore())
                            && t.isBefore(o.entry().notAfter())) {
                        validThen.add(where(o.index()));
                    }
                }
                return Optional.of("at " + t + " " + (valid + 1) + " OHTTP key configurations would be valid"
                        + " (" + String.join(", ", validThen) + " and this one); the rule allows "
                        + maxConcurrentOhttpKeys);
            }
        }
        return Optional.empty();
    }

    /** How many of the sorted {@code instants} are at or before {@code t}. */
    private static int countAtOrBefore(Instant[] instants, Instant t) {
        int low = 0;
        int high = instants.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (instants[mid].isAfter(t)) high = mid;
            else low = mid + 1;
        }
        return low;
    }

    private static String where(long index) {
        return index < 0 ? "a submission accepted for logging" : "entry " + index;
    }

    /** Whether {@code [a0, a1)} and {@code [b0, b1)} share an instant. */
    private static boolean overlap(Instant a0, Instant a1, Instant b0, Instant b1) {
        return a0.isBefore(b1) && b0.isBefore(a1);
    }
}
