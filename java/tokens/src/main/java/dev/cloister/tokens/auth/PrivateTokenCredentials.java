package dev.cloister.tokens.auth;

import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenFormatException;
import java.util.Base64;
import java.util.List;

/**
 * The credentials of an {@code Authorization: PrivateToken token="<base64url Token>"} header (RFC 9577 §2.2).
 * The header is parsed with the bounded RFC 9110 parser; the token bytes with {@link Token#decode}.
 */
public final class PrivateTokenCredentials {
    private PrivateTokenCredentials() {}

    /** The Authorization header value for {@code token}. */
    public static String format(Token token) {
        return format(token.encode());
    }

    public static String format(byte[] encodedToken) {
        return PrivateTokenChallenge.SCHEME + " token=\""
                + Base64.getUrlEncoder().encodeToString(encodedToken) + "\"";
    }

    /**
     * The raw token bytes of an Authorization header value.
     *
     * @throws AuthHeaderException not exactly one set of PrivateToken credentials with a base64url "token" parameter
     */
    public static byte[] parseTokenBytes(String headerValue) throws AuthHeaderException {
        List<AuthChallenge> credentials = AuthHeaderParser.parse(headerValue);
        if (credentials.size() != 1) {
            throw new AuthHeaderException("Authorization holds " + credentials.size() + " credentials, want one", -1);
        }
        AuthChallenge c = credentials.getFirst();
        if (!c.isScheme(PrivateTokenChallenge.SCHEME)) {
            throw new AuthHeaderException("Authorization scheme is \"" + c.scheme() + "\", not PrivateToken", 0);
        }
        return PrivateTokenChallenge.base64url(c, "token");
    }

    /** Parses the header and decodes the Token (type 0x0001 only). */
    public static Token parse(String headerValue) throws AuthHeaderException, TokenFormatException {
        return Token.decode(parseTokenBytes(headerValue));
    }
}
