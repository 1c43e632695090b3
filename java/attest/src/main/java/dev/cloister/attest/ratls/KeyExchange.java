package dev.cloister.attest.ratls;

import org.bouncycastle.tls.NamedGroup;

/** A TLS 1.3 key-exchange group a connection offers (client) or accepts (server). */
public enum KeyExchange {
    /** X25519 (RFC 8446 §4.2.7). */
    X25519(NamedGroup.x25519),
    /** The X25519 + ML-KEM-768 hybrid (draft-ietf-tls-ecdhe-mlkem, code point 0x11EC), as BouncyCastle 1.84 has it. */
    X25519_MLKEM768(NamedGroup.X25519MLKEM768);

    /**
     * What a client offers by default, most preferred first: the hybrid, so that a recorded session stays secret even
     * against a later quantum computer, and X25519 for servers that lack it. The ClientHello carries a key share for
     * each (about 1.2 KB more than X25519 alone), so neither kind of server needs a HelloRetryRequest round trip.
     */
    public static final java.util.List<KeyExchange> DEFAULT_OFFER = java.util.List.of(X25519_MLKEM768, X25519);

    private final int namedGroup;

    KeyExchange(int namedGroup) {
        this.namedGroup = namedGroup;
    }

    /** The TLS NamedGroup code point. */
    public int namedGroup() {
        return namedGroup;
    }
}
