package dev.cloister.cli.soak;

import java.util.Locale;
import java.util.Map;

/**
 * The figures a soak ends with, and whether they hold: no double spend, no lost acknowledged ledger entry, no
 * plaintext canary, every failure with a typed reason, and at least one success.
 *
 * @param recovered sessions that succeeded on a retry
 * @param tokensIssued the issuer's count of tokens issued (its counter; the issuer is never restarted)
 * @param tokensRedeemed the gateways' counts of tokens accepted, summed over every replica's lifetime (read before
 *     each SIGKILL and at the end)
 * @param sessionsAnswered sessions the client got an answer for, the warm-up's included: each spent one token that a
 *     gateway accepted, counted in the soak's own memory, which no fault kills
 * @param spentRecords the spent-token records in Redis at the end (one per token ever accepted, by {@code SET NX})
 * @param doubleSpends redemptions beyond the records ({@link #doubleSpends}): a token accepted twice, or a record Redis
 *     lost
 */
public record SoakFigures(
        long attempted,
        long succeeded,
        long failed,
        long retried,
        long recovered,
        double p50Millis,
        double p99Millis,
        Map<String, Long> failedByReason,
        long tokensIssued,
        long tokensRedeemed,
        long sessionsAnswered,
        long spentRecords,
        long doubleSpends,
        long entriesAcknowledged,
        long entriesPresent,
        long canaries,
        long faults) {

    public SoakFigures {
        failedByReason = Map.copyOf(failedByReason);
    }

    /**
     * Accepted redemptions beyond the spent-token records. Accepted redemptions are counted twice, each count a lower
     * bound: by the gateways' counters, which miss the redemptions between a replica's last reading and its SIGKILL,
     * and at the client, where every answered session spent one token that a gateway accepted (a token is taken from
     * the client's store before it is sent, so no two sessions spend the same one). The client's count has no such
     * window: a record missing for a redemption in it (Redis lost it, or a gateway accepted a token without writing
     * it) is still found. Neither count can exceed the accepted redemptions, so this never reports a double spend that
     * did not happen.
     */
    public static long doubleSpends(long redeemedByGateways, long sessionsAnswered, long spentRecords) {
        return Math.max(0, Math.max(redeemedByGateways, sessionsAnswered) - spentRecords);
    }

    public long lostEntries() {
        return entriesAcknowledged - entriesPresent;
    }

    /** Whether every invariant holds (the exit status is 0 only then). */
    public boolean holds() {
        return doubleSpends == 0
                && lostEntries() == 0
                && canaries == 0
                && failedByReason.getOrDefault(SessionTally.UNTYPED, 0L) == 0
                && succeeded > 0;
    }

    /** The line before the last: failures by reason, tokens and ledger entries. */
    public String detailLine() {
        StringBuilder reasons = new StringBuilder();
        failedByReason.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> reasons.append(reasons.isEmpty() ? "" : ",")
                        .append(e.getKey())
                        .append(':')
                        .append(e.getValue()));
        return "soak detail: failed_by_reason=" + (reasons.isEmpty() ? "none" : reasons) + " succeeded_on_retry="
                + recovered + " tokens_issued="
                + tokensIssued + " tokens_redeemed=" + tokensRedeemed + " sessions_answered=" + sessionsAnswered
                + " spent_records=" + spentRecords
                + " entries_acknowledged=" + entriesAcknowledged + " entries_present=" + entriesPresent;
    }

    /** The last line, for scripts. */
    public String lastLine() {
        return String.format(
                Locale.ROOT,
                "soak: attempted=%d succeeded=%d failed=%d retried=%d p50_ms=%.1f p99_ms=%.1f double_spends=%d"
                        + " lost_entries=%d canaries=%d faults=%d",
                attempted,
                succeeded,
                failed,
                retried,
                p50Millis,
                p99Millis,
                doubleSpends,
                lostEntries(),
                canaries,
                faults);
    }
}
