package dev.cloister.wire.hpke;

/**
 * The key encapsulation mechanisms Cloister offers, with their RFC 9180 §7.1 identifiers and sizes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9180#section-7.1">RFC 9180 §7.1</a>
 */
public enum KemId {
    /** DHKEM(P-256, HKDF-SHA256). */
    DHKEM_P256_HKDF_SHA256(0x0010, KdfId.HKDF_SHA256, 32, 65, 65, 32),
    /** DHKEM(X25519, HKDF-SHA256). */
    DHKEM_X25519_HKDF_SHA256(0x0020, KdfId.HKDF_SHA256, 32, 32, 32, 32);

    private final int id;
    private final KdfId kdf;
    private final int nSecret;
    private final int nEnc;
    private final int nPk;
    private final int nSk;

    KemId(int id, KdfId kdf, int nSecret, int nEnc, int nPk, int nSk) {
        this.id = id;
        this.kdf = kdf;
        this.nSecret = nSecret;
        this.nEnc = nEnc;
        this.nPk = nPk;
        this.nSk = nSk;
    }

    /** The two-byte identifier on the wire. */
    public int id() {
        return id;
    }

    /** The KDF inside the KEM (ExtractAndExpand). */
    public KdfId kdf() {
        return kdf;
    }

    /** Length of the KEM shared secret. */
    public int nSecret() {
        return nSecret;
    }

    /** Length of an encapsulated key. */
    public int nEnc() {
        return nEnc;
    }

    /** Length of a serialized public key. */
    public int nPk() {
        return nPk;
    }

    /** Length of a serialized private key. */
    public int nSk() {
        return nSk;
    }

    /** The KEM with identifier {@code id}. */
    public static KemId fromId(int id) throws HpkeException {
        for (KemId kem : values()) {
            if (kem.id == id) return kem;
        }
        throw new HpkeException("unsupported KEM id 0x%04x".formatted(id));
    }
}
