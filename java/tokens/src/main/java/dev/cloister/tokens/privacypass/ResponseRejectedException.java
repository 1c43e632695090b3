package dev.cloister.tokens.privacypass;

/**
 * The client rejects an issuer's response (RFC 9578 §5.3): it does not match the request, or its DLEQ proof does not
 * verify against the published key. No token comes out of such a response.
 */
public final class ResponseRejectedException extends Exception {
    public ResponseRejectedException(String message) {
        super(message);
    }

    public ResponseRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
