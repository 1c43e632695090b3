package dev.cloister.tokens.oprf;

/** The protocol variants of RFC 9497 §3, with their mode identifiers. */
public enum OprfMode {
    /** modeOPRF = 0x00: the base protocol. */
    OPRF(0x00),
    /** modeVOPRF = 0x01: the server proves each evaluation against its public key. */
    VOPRF(0x01),
    /** modePOPRF = 0x02: partially oblivious, with public info bound into the key. */
    POPRF(0x02);

    private final int id;

    OprfMode(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }
}
