package dev.cloister.tokens.privacypass;

/** A Privacy Pass structure (TokenChallenge, TokenRequest, TokenResponse, Token, issuer directory) is malformed. */
public sealed class TokenFormatException extends Exception permits BatchTooLargeException {
    public TokenFormatException(String message) {
        super(message);
    }

    public TokenFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
