package dev.cloister.tokens.privacypass;

import java.util.Optional;

/** Token types of the RFC 9577 §5.2 registry that Cloister knows. Only {@link #VOPRF_P384_SHA384} is issued. */
public enum TokenType {
    /** 0x0001: VOPRF(P-384, SHA-384), privately verifiable (RFC 9578 §5). Nid = 32, Nk = 48. */
    VOPRF_P384_SHA384(0x0001, 48),
    /** 0x0002: Blind RSA (2048-bit), publicly verifiable (RFC 9578 §6). Recognised in challenges, never issued here. */
    BLIND_RSA_2048(0x0002, 256);

    private final int code;
    private final int authenticatorLength;

    TokenType(int code, int authenticatorLength) {
        this.code = code;
        this.authenticatorLength = authenticatorLength;
    }

    /** The 2-byte code point. */
    public int code() {
        return code;
    }

    /** Nk: the authenticator length in a Token of this type. */
    public int authenticatorLength() {
        return authenticatorLength;
    }

    public static Optional<TokenType> fromCode(int code) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
