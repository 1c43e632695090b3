package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.oprf.BlindedElement;
import java.util.ArrayList;
import java.util.List;

/** The client's state for a batched request: one {@link PendingToken} per requested token, all under one key. */
public final class PendingTokenBatch {
    private final List<PendingToken> tokens;

    PendingTokenBatch(List<PendingToken> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        this.tokens = List.copyOf(tokens);
    }

    /** The AmortizedBatchTokenRequest to send to the issuer. */
    public AmortizedBatchTokenRequest request() {
        List<BlindedElement> blinded = new ArrayList<>(tokens.size());
        for (PendingToken t : tokens) {
            blinded.add(t.blindedElement());
        }
        return new AmortizedBatchTokenRequest(tokens.getFirst().tokenKeyId().truncated(), blinded);
    }

    public int size() {
        return tokens.size();
    }

    List<PendingToken> tokens() {
        return tokens;
    }

    @Override
    public String toString() {
        return "PendingTokenBatch[" + tokens.size() + " tokens, blinds redacted]";
    }
}
