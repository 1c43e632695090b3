package dev.cloister.wire.hpke;

/**
 * The key derivation functions Cloister offers, with their RFC 9180 §7.2 identifiers.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9180#section-7.2">RFC 9180 §7.2</a>
 */
public enum KdfId {
    HKDF_SHA256(0x0001, 32, "HmacSHA256"),
    HKDF_SHA384(0x0002, 48, "HmacSHA384"),
    HKDF_SHA512(0x0003, 64, "HmacSHA512");

    private final int id;
    private final int nH;
    private final String macAlgorithm;

    KdfId(int id, int nH, String macAlgorithm) {
        this.id = id;
        this.nH = nH;
        this.macAlgorithm = macAlgorithm;
    }

    /** The two-byte identifier on the wire. */
    public int id() {
        return id;
    }

    /** Output size of Extract(). */
    public int nH() {
        return nH;
    }

    String macAlgorithm() {
        return macAlgorithm;
    }

    /** The KDF with identifier {@code id}. */
    public static KdfId fromId(int id) throws HpkeException {
        for (KdfId kdf : values()) {
            if (kdf.id == id) return kdf;
        }
        throw new HpkeException("unsupported KDF id 0x%04x".formatted(id));
    }
}
