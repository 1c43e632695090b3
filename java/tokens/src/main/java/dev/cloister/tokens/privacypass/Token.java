package dev.cloister.tokens.privacypass;

import dev.cloister.base.Hex;
import dev.cloister.tokens.keys.TokenKeyId;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The Token of RFC 9577 §2.2 for token type 0x0001 (RFC 9578 §5.3):
 * <pre>
 * struct {
 *     uint16_t token_type = 0x0001;
 *     uint8_t nonce[32];
 *     uint8_t challenge_digest[32];
 *     uint8_t token_key_id[32];
 *     uint8_t authenticator[48];
 * } Token;
 * </pre>
 */
public final class Token {
    public static final int NONCE_LENGTH = 32;
    public static final int DIGEST_LENGTH = 32;
    /** The encoded size of a type 0x0001 token. */
    public static final int LENGTH =
            2 + NONCE_LENGTH + DIGEST_LENGTH + TokenKeyId.LENGTH + TokenType.VOPRF_P384_SHA384.authenticatorLength();

    private final byte[] nonce;
    private final byte[] challengeDigest;
    private final TokenKeyId tokenKeyId;
    private final byte[] authenticator;

    public Token(byte[] nonce, byte[] challengeDigest, TokenKeyId tokenKeyId, byte[] authenticator) {
        if (nonce.length != NONCE_LENGTH
                || challengeDigest.length != DIGEST_LENGTH
                || authenticator.length != TokenType.VOPRF_P384_SHA384.authenticatorLength()) {
            throw new IllegalArgumentException("Token field lengths: nonce " + nonce.length + ", digest "
                    + challengeDigest.length + ", authenticator " + authenticator.length);
        }
        this.nonce = nonce.clone();
        this.challengeDigest = challengeDigest.clone();
        this.tokenKeyId = tokenKeyId;
        this.authenticator = authenticator.clone();
    }

    /**
     * Decodes a Token. The token type is read first: anything but 0x0001 is refused as unsupported, and the length must
     * then be exactly {@link #LENGTH}.
     */
    public static Token decode(byte[] encoded) throws TokenFormatException {
        if (encoded.length < 2) {
            throw new TokenFormatException("Token: " + encoded.length + " bytes, too short for a token_type");
        }
        int type = ((encoded[0] & 0xff) << 8) | (encoded[1] & 0xff);
        if (type != TokenType.VOPRF_P384_SHA384.code()) {
            throw new TokenFormatException(String.format("Token: unsupported token_type 0x%04x (want 0x0001)", type));
        }
        if (encoded.length != LENGTH) {
            throw new TokenFormatException("Token: type 0x0001 tokens are " + LENGTH + " bytes, got " + encoded.length);
        }
        WireReader r = new WireReader(encoded, "Token");
        r.u16();
        byte[] nonce = r.bytes(NONCE_LENGTH, "nonce");
        byte[] digest = r.bytes(DIGEST_LENGTH, "challenge_digest");
        TokenKeyId keyId = TokenKeyId.of(r.bytes(TokenKeyId.LENGTH, "token_key_id"));
        byte[] authenticator = r.bytes(TokenType.VOPRF_P384_SHA384.authenticatorLength(), "authenticator");
        r.end();
        return new Token(nonce, digest, keyId, authenticator);
    }

    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .putShort((short) TokenType.VOPRF_P384_SHA384.code())
                .put(nonce)
                .put(challengeDigest)
                .put(tokenKeyId.bytes())
                .put(authenticator)
                .array();
    }

    /** token_input = token_type ‖ nonce ‖ challenge_digest ‖ token_key_id: the OPRF input (RFC 9578 §5.1). */
    public byte[] authenticatorInput() {
        return authenticatorInput(nonce, challengeDigest, tokenKeyId);
    }

    static byte[] authenticatorInput(byte[] nonce, byte[] challengeDigest, TokenKeyId keyId) {
        return ByteBuffer.allocate(2 + NONCE_LENGTH + DIGEST_LENGTH + TokenKeyId.LENGTH)
                .putShort((short) TokenType.VOPRF_P384_SHA384.code())
                .put(nonce)
                .put(challengeDigest)
                .put(keyId.bytes())
                .array();
    }

    public TokenType tokenType() {
        return TokenType.VOPRF_P384_SHA384;
    }

    public byte[] nonce() {
        return nonce.clone();
    }

    public byte[] challengeDigest() {
        return challengeDigest.clone();
    }

    public TokenKeyId tokenKeyId() {
        return tokenKeyId;
    }

    public byte[] authenticator() {
        return authenticator.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Token t && Arrays.equals(encode(), t.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(nonce);
    }

    @Override
    public String toString() {
        return "Token[nonce=" + Hex.format(nonce) + ", keyId=" + tokenKeyId + "]";
    }
}
