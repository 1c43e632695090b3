package dev.cloister.ledger.note;

/** Signature type identifier bytes assigned by c2sp.org/signed-note §"Signature types" that this library speaks. */
public enum SignatureType {
    /** {@code 0x01}: Ed25519 over the note text (signed-note §"Ed25519 signatures"). */
    ED25519((byte) 0x01),
    /** {@code 0x02}: ECDSA as implemented by transparency-dev/witness; key id = SHA-256(SPKI DER)[:4]. */
    ECDSA((byte) 0x02),
    /** {@code 0x04}: timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature, cosignature/v1). */
    COSIGNATURE_V1((byte) 0x04);

    private final byte id;

    SignatureType(byte id) {
        this.id = id;
    }

    /** The identifier byte. */
    public byte id() {
        return id;
    }

    /** The type for an identifier byte, or null when this library does not speak it. */
    public static SignatureType of(byte id) {
        for (SignatureType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
