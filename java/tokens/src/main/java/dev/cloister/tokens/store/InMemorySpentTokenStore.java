package dev.cloister.tokens.store;

import dev.cloister.tokens.keys.Epoch;
import java.util.TreeMap;

/**
 * A spent-token store that keeps nonces in memory only: a restart forgets them, so a token could be spent again
 * after one. For tests and single-process development; the gateway's default is {@link FileSpentTokenStore}.
 */
public final class InMemorySpentTokenStore implements SpentTokenStore {
    private final TreeMap<Epoch, NonceSet> epochs = new TreeMap<>();
    private Epoch oldestRetained = new Epoch(0);
    private boolean closed;

    @Override
    public synchronized SpendResult spend(Epoch epoch, byte[] nonce) throws SpentTokenStoreException {
        SpentTokenStore.checkNonce(nonce);
        if (closed) {
            throw new SpentTokenStoreException("in-memory spent-token store is closed");
        }
        if (epoch.compareTo(oldestRetained) < 0) {
            return SpendResult.EPOCH_RETIRED;
        }
        return epochs.computeIfAbsent(epoch, e -> new NonceSet()).add(nonce)
                ? SpendResult.SPENT
                : SpendResult.ALREADY_SPENT;
    }

    @Override
    public synchronized void retireBefore(Epoch oldest) {
        if (oldest.compareTo(oldestRetained) > 0) {
            oldestRetained = oldest;
        }
        epochs.headMap(oldestRetained).clear();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
