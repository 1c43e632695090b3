package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.oprf.Blind;
import dev.cloister.tokens.oprf.BlindedElement;

/**
 * The client's state between sending a TokenRequest and finalizing its response (RFC 9578 §5.1): the nonce, the blind
 * and the token input. The blind is secret; {@link #toString()} hides it.
 */
public final class PendingToken {
    private final byte[] nonce;
    private final byte[] challengeDigest;
    private final TokenKeyId tokenKeyId;
    private final Blind blind;
    private final BlindedElement blindedElement;

    PendingToken(
            byte[] nonce, byte[] challengeDigest, TokenKeyId tokenKeyId, Blind blind, BlindedElement blindedElement) {
        this.nonce = nonce.clone();
        this.challengeDigest = challengeDigest.clone();
        this.tokenKeyId = tokenKeyId;
        this.blind = blind;
        this.blindedElement = blindedElement;
    }

    /** The TokenRequest to send to the issuer. */
    public TokenRequest request() {
        return new TokenRequest(tokenKeyId.truncated(), blindedElement);
    }

    byte[] nonce() {
        return nonce.clone();
    }

    byte[] challengeDigest() {
        return challengeDigest.clone();
    }

    TokenKeyId tokenKeyId() {
        return tokenKeyId;
    }

    Blind blind() {
        return blind;
    }

    BlindedElement blindedElement() {
        return blindedElement;
    }

    byte[] tokenInput() {
        return Token.authenticatorInput(nonce, challengeDigest, tokenKeyId);
    }

    @Override
    public String toString() {
        return "PendingToken[keyId=" + tokenKeyId + ", blind=redacted]";
    }
}
