package dev.cloister.tokens.auth;

import dev.cloister.base.Bytes;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenFormatException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One "PrivateToken" challenge of a WWW-Authenticate header (RFC 9577 §2.1):
 * {@code PrivateToken challenge="<base64url TokenChallenge>", token-key="<base64url key>", max-age="<seconds>"}.
 * The challenge bytes are kept as received, since a client must ignore token types it does not know (grease, §2.1.1)
 * and the digest it signs is over these exact bytes; {@link #decodeChallenge()} parses them.
 */
public record PrivateTokenChallenge(Bytes challenge, Bytes tokenKey, OptionalLong maxAge) {
    public static final String SCHEME = "PrivateToken";

    public PrivateTokenChallenge {
        Objects.requireNonNull(challenge, "challenge");
        Objects.requireNonNull(tokenKey, "tokenKey");
        Objects.requireNonNull(maxAge, "maxAge");
        if (challenge.length() < 2) {
            throw new IllegalArgumentException("a TokenChallenge holds at least its 2-byte token_type");
        }
        if (maxAge.isPresent() && maxAge.getAsLong() < 0) {
            throw new IllegalArgumentException("max-age must not be negative");
        }
    }

    public static PrivateTokenChallenge of(TokenChallenge challenge, byte[] tokenKey, OptionalLong maxAge) {
        return new PrivateTokenChallenge(Bytes.of(challenge.encode()), Bytes.of(tokenKey), maxAge);
    }

    /** The token_type in the first two bytes of the challenge. */
    public int tokenType() {
        return ((challenge.get(0) & 0xff) << 8) | (challenge.get(1) & 0xff);
    }

    public TokenChallenge decodeChallenge() throws TokenFormatException {
        return TokenChallenge.decode(challenge.toByteArray());
    }

    /** This challenge as it appears in a WWW-Authenticate header (padded base64url, quoted). */
    public String format() {
        StringBuilder sb = new StringBuilder(SCHEME)
                .append(" challenge=\"")
                .append(Base64.getUrlEncoder().encodeToString(challenge.toByteArray()))
                .append("\", token-key=\"")
                .append(Base64.getUrlEncoder().encodeToString(tokenKey.toByteArray()))
                .append('"');
        maxAge.ifPresent(m -> sb.append(", max-age=\"").append(m).append('"'));
        return sb.toString();
    }

    /** A WWW-Authenticate header value with several PrivateToken challenges (RFC 9577 §2.1.2). */
    public static String formatHeader(List<PrivateTokenChallenge> challenges) {
        if (challenges.isEmpty()) {
            throw new IllegalArgumentException("no challenge to format");
        }
        List<String> parts = new ArrayList<>();
        for (PrivateTokenChallenge c : challenges) {
            parts.add(c.format());
        }
        return String.join(", ", parts);
    }

    /**
     * The PrivateToken challenges of a WWW-Authenticate header value, in order; other schemes (Basic, ...) are skipped.
     * Unknown parameters are ignored (§2.1).
     *
     * @throws AuthHeaderException the header is malformed, or a PrivateToken challenge lacks challenge or token-key,
     *                             holds invalid base64url, or a max-age that is not a non-negative integer
     */
    public static List<PrivateTokenChallenge> parseHeader(String headerValue) throws AuthHeaderException {
        List<PrivateTokenChallenge> out = new ArrayList<>();
        for (AuthChallenge c : AuthHeaderParser.parse(headerValue)) {
            if (!c.isScheme(SCHEME)) {
                continue;
            }
            byte[] challenge = base64url(c, "challenge");
            byte[] key = base64url(c, "token-key");
            OptionalLong maxAge = OptionalLong.empty();
            if (c.param("max-age").isPresent()) {
                String v = c.param("max-age").get();
                if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                    throw new AuthHeaderException(
                            "PrivateToken max-age \"" + v + "\" is not a non-negative integer", -1);
                }
                maxAge = OptionalLong.of(Long.parseLong(v));
            }
            if (challenge.length < 2) {
                throw new AuthHeaderException("PrivateToken challenge shorter than a token_type", -1);
            }
            out.add(new PrivateTokenChallenge(Bytes.of(challenge), Bytes.of(key), maxAge));
        }
        return out;
    }

    static byte[] base64url(AuthChallenge c, String name) throws AuthHeaderException {
        String v = c.param(name)
                .orElseThrow(() -> new AuthHeaderException(c.scheme() + " lacks the \"" + name + "\" parameter", -1));
        try {
            return Base64.getUrlDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            throw new AuthHeaderException(c.scheme() + " parameter \"" + name + "\" is not base64url", e);
        }
    }

    @Override
    public String toString() {
        return "PrivateTokenChallenge[type=" + tokenType() + ", " + challenge.length() + " bytes, maxAge=" + maxAge
                + "]";
    }
}
