package dev.cloister.attest.ratls;

import org.bouncycastle.tls.NamedGroup;

/** The one TLS 1.3 key-exchange group a connection offers (client) or accepts (server). */
public enum KeyExchange {
    /** X25519 (RFC 8446 §4.2.7). */
    X25519(NamedGroup.x25519),
    /** The X25519 + ML-KEM-768 hybrid (draft-ietf-tls-ecdhe-mlkem, code point 0x11EC), as BouncyCastle 1.84 has it. */
    X25519_MLKEM768(NamedGroup.X25519MLKEM768);

    private final int namedGroup;

    KeyExchange(int namedGroup) {
        this.namedGroup = namedGroup;
    }

    /** The TLS NamedGroup code point. */
    public int namedGroup() {
        return namedGroup;
    }
}
