package dev.cloister.wire.hpke;

import java.util.Objects;

/**
 * One HPKE ciphersuite: a KEM, a KDF and an AEAD (RFC 9180 §5.1 {@code suite_id}).
 *
 * <p>All combinations of the offered algorithms are valid.
 */
public record HpkeSuite(KemId kem, KdfId kdf, AeadId aead) {

    public HpkeSuite {
        Objects.requireNonNull(kem, "kem");
        Objects.requireNonNull(kdf, "kdf");
        Objects.requireNonNull(aead, "aead");
    }

    /** {@code suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))}. */
    public byte[] suiteId() {
        return new byte[] {
            'H',
            'P',
            'K',
            'E',
            (byte) (kem.id() >>> 8),
            (byte) kem.id(),
            (byte) (kdf.id() >>> 8),
            (byte) kdf.id(),
            (byte) (aead.id() >>> 8),
            (byte) aead.id()
        };
    }

    @Override
    public String toString() {
        return kem + "/" + kdf + "/" + aead;
    }
}
