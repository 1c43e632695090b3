package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import java.util.Objects;

/** One {@code Symmetric Algorithms} entry of a key configuration (RFC 9458 §3.1): an HPKE KDF and AEAD pair. */
public record SymmetricAlgorithm(KdfId kdf, AeadId aead) {
    public SymmetricAlgorithm {
        Objects.requireNonNull(kdf, "kdf");
        Objects.requireNonNull(aead, "aead");
        if (aead == AeadId.EXPORT_ONLY) {
            throw new IllegalArgumentException("OHTTP needs an AEAD that can seal; export-only is not usable");
        }
    }

    @Override
    public String toString() {
        return kdf + "/" + aead;
    }
}
