package dev.cloister.operator.tokens;

import dev.cloister.tokens.keys.Epoch;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many tokens each account may obtain per key epoch. Only the current epoch's counts are kept, so memory is
 * bounded by the number of accounts.
 */
final class IssuanceQuota {

    private final int tokensPerEpoch;
    private final ConcurrentHashMap<String, long[]> used = new ConcurrentHashMap<>();
    private volatile long epoch = Long.MIN_VALUE;

    IssuanceQuota(int tokensPerEpoch) {
        if (tokensPerEpoch < 1) throw new IllegalArgumentException("tokens per epoch must be positive");
        this.tokensPerEpoch = tokensPerEpoch;
    }

    /** Reserves {@code count} tokens for {@code account} in {@code now}; false if that would exceed the quota. */
    boolean tryReserve(String account, Epoch now, int count) {
        // The epoch only moves forward: a slow request that began in the previous epoch is counted in the current
        // one, and can never reset the counts (which would let accounts exceed the quota at boundaries).
        if (now.index() > epoch) {
            synchronized (this) {
                if (now.index() > epoch) {
                    used.clear();
                    epoch = now.index();
                }
            }
        }
        long[] counter = used.computeIfAbsent(account, a -> new long[1]);
        synchronized (counter) {
            if (counter[0] + count > tokensPerEpoch) return false;
            counter[0] += count;
            return true;
        }
    }

    /** Gives back a reservation whose issuance failed. */
    void release(String account, int count) {
        long[] counter = used.get(account);
        if (counter != null) {
            synchronized (counter) {
                counter[0] = Math.max(0, counter[0] - count);
            }
        }
    }

    int tokensPerEpoch() {
        return tokensPerEpoch;
    }
}
