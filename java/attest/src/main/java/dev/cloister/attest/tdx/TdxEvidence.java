package dev.cloister.attest.tdx;

import dev.cloister.attest.Evidence;
import dev.cloister.attest.Platform;
import java.util.Objects;

/** Intel TDX evidence: a DCAP quote (v4 or v5) as configfs-tsm {@code outblob} returns it (trailing bytes allowed). */
public final class TdxEvidence implements Evidence {

    private final byte[] quote;

    private TdxEvidence(byte[] quote) {
        this.quote = quote;
    }

    public static TdxEvidence of(byte[] quote) {
        return new TdxEvidence(Objects.requireNonNull(quote, "quote").clone());
    }

    public byte[] quote() {
        return quote.clone();
    }

    byte[] quoteNoCopy() {
        return quote;
    }

    @Override
    public Platform platform() {
        return Platform.TDX;
    }
}
