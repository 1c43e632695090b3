package dev.cloister.wire.hpke;

/**
 * The AEADs Cloister offers, with their RFC 9180 §7.3 identifiers and sizes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9180#section-7.3">RFC 9180 §7.3</a>
 */
public enum AeadId {
    AES_128_GCM(0x0001, 16, 12, 16),
    AES_256_GCM(0x0002, 32, 12, 16),
    CHACHA20_POLY1305(0x0003, 32, 12, 16),
    /** Export-only: the context can export secrets but not seal or open (RFC 9180 §5.3). */
    EXPORT_ONLY(0xFFFF, 0, 0, 0);

    private final int id;
    private final int nK;
    private final int nN;
    private final int nT;

    AeadId(int id, int nK, int nN, int nT) {
        this.id = id;
        this.nK = nK;
        this.nN = nN;
        this.nT = nT;
    }

    /** The two-byte identifier on the wire. */
    public int id() {
        return id;
    }

    /** Key length. */
    public int nK() {
        return nK;
    }

    /** Nonce length. */
    public int nN() {
        return nN;
    }

    /** Authentication tag length. */
    public int nT() {
        return nT;
    }

    /** The AEAD with identifier {@code id}. */
    public static AeadId fromId(int id) throws HpkeException {
        for (AeadId aead : values()) {
            if (aead.id == id) return aead;
        }
        throw new HpkeException("unsupported AEAD id 0x%04x".formatted(id));
    }
}
