package dev.cloister.tokens.keys;

import dev.cloister.base.Bytes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link KeyPublication} that only remembers keys in memory: no transparency at all. For tests and local
 * development; production uses the ledger.
 */
public final class InsecureLocalKeyPublication implements KeyPublication {
    private final List<IssuerKey> published = new CopyOnWriteArrayList<>();

    @Override
    public PublicationReceipt publish(IssuerKey key) {
        if (!published.contains(key)) {
            published.add(key);
        }
        return new PublicationReceipt(key.keyId(), Bytes.EMPTY);
    }

    /** Every key published so far, in order. */
    public List<IssuerKey> published() {
        return List.copyOf(published);
    }
}
