package dev.cloister.tokens.oprf;

import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/** The output of the POPRF Blind (RFC 9497 §3.3.3): the blind, the blinded element and the tweaked key. */
public record PoprfBlindOutput(Blind blind, BlindedElement blindedElement, ECPoint tweakedKey) {
    public PoprfBlindOutput {
        Objects.requireNonNull(blind, "blind");
        Objects.requireNonNull(blindedElement, "blindedElement");
        Objects.requireNonNull(tweakedKey, "tweakedKey");
        tweakedKey = tweakedKey.normalize();
    }
}
