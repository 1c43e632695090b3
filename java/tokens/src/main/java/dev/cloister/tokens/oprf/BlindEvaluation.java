package dev.cloister.tokens.oprf;

import java.util.List;
import java.util.Objects;

/**
 * The output of the VOPRF and POPRF BlindEvaluate (RFC 9497 §3.3.2, §3.3.3) over a batch: one EvaluatedElement per
 * BlindedElement, in order, and ONE DLEQ proof for the whole batch (§2.2.1 ComputeComposites).
 */
public record BlindEvaluation(List<EvaluatedElement> evaluatedElements, Proof proof) {
    public BlindEvaluation {
        evaluatedElements = List.copyOf(evaluatedElements);
        Objects.requireNonNull(proof, "proof");
        if (evaluatedElements.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one element");
        }
    }
}
