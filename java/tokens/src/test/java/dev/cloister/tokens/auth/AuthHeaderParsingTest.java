package dev.cloister.tokens.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 9110 §11 / RFC 9577 §2 header parsing: accepted variants and every malformed case, each named. */
class AuthHeaderParsingTest {
    static final String CHALLENGE =
            "AAEACWkuZXhhbXBsZQAAAA=="; // TokenChallenge type 1, issuer "i.example", empty context and origins

    @Test
    void schemeAndParameterNamesAreCaseInsensitive() throws Exception {
        List<PrivateTokenChallenge> c =
                PrivateTokenChallenge.parseHeader("privatetoken CHALLENGE=\"" + CHALLENGE + "\", Token-Key=\"AAE\"");
        assertEquals(1, c.size());
        assertEquals(1, c.getFirst().tokenType());
        assertEquals("i.example", c.getFirst().decodeChallenge().issuerName());
    }

    @Test
    void unquotedBase64WithPaddingParses() throws Exception {
        List<AuthChallenge> c = AuthHeaderParser.parse("PrivateToken token=AAECAw==");
        assertEquals(Optional.of("AAECAw=="), c.getFirst().param("token"));
        assertArrayEquals(
                new byte[] {0, 1, 2, 3}, PrivateTokenCredentials.parseTokenBytes("PrivateToken token=AAECAw=="));
        assertArrayEquals(
                new byte[] {0, 1, 2, 3}, PrivateTokenCredentials.parseTokenBytes("PrivateToken token=\"AAECAw\""));
    }

    @Test
    void token68AndEmptyListElementsParse() throws Exception {
        List<AuthChallenge> c =
                AuthHeaderParser.parse(" , Negotiate abc==, Basic ,Bearer realm=\"x\",, PrivateToken challenge=\""
                        + CHALLENGE + "\", token-key=AAE");
        assertEquals(4, c.size());
        assertEquals(Optional.of("abc=="), c.get(0).token68());
        assertTrue(c.get(1).params().isEmpty());
        assertEquals(Optional.of("x"), c.get(2).param("realm"));
        assertEquals(
                1,
                PrivateTokenChallenge.parseHeader(
                                " , Negotiate abc==, Basic ,Bearer realm=\"x\",, PrivateToken challenge=\"" + CHALLENGE
                                        + "\", token-key=AAE")
                        .size());
    }

    @Test
    void quotedPairsAreUnescaped() throws Exception {
        assertEquals(
                Optional.of("a\"b\\c"),
                AuthHeaderParser.parse("X p=\"a\\\"b\\\\c\"").getFirst().param("p"));
    }

    @Test
    void unterminatedQuotedStringIsRefused() {
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("PrivateToken challenge=\"AAEC"));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("PrivateToken challenge=\"AAEC\\"));
    }

    @Test
    void missingValueOrEqualsIsRefused() {
        // "challenge=" alone is a token68 by the grammar, so only the PrivateToken layer can refuse it.
        assertThrows(AuthHeaderException.class, () -> PrivateTokenChallenge.parseHeader("PrivateToken challenge="));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("PrivateToken a=b, c="));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("PrivateToken a=b c=d"));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("=x"));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse(""));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse(null));
    }

    @Test
    void controlCharactersAreRefused() {
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("X p=\"a\u0001b\""));
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("X\u0000 p=1"));
    }

    @Test
    void oversizedHeaderIsRefusedBeforeParsing() {
        String big = "PrivateToken challenge=\"" + "A".repeat(AuthHeaderParser.MAX_LENGTH) + "\"";
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse(big));
    }

    @Test
    void tooManyChallengesOrParametersAreRefused() {
        assertThrows(
                AuthHeaderException.class,
                () -> AuthHeaderParser.parse("Basic, ".repeat(AuthHeaderParser.MAX_CHALLENGES + 1)));
        StringBuilder params = new StringBuilder("X ");
        for (int i = 0; i <= AuthHeaderParser.MAX_PARAMS; i++) {
            params.append("p").append(i).append("=1, ");
        }
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse(params.toString()));
    }

    @Test
    void repeatedParameterIsRefused() {
        assertThrows(AuthHeaderException.class, () -> AuthHeaderParser.parse("PrivateToken challenge=a, Challenge=b"));
    }

    @Test
    void privateTokenWithoutChallengeOrKeyIsRefused() {
        assertThrows(AuthHeaderException.class, () -> PrivateTokenChallenge.parseHeader("PrivateToken token-key=AAE"));
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenChallenge.parseHeader("PrivateToken challenge=" + CHALLENGE));
    }

    @Test
    void privateTokenWithBadBase64IsRefused() {
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenChallenge.parseHeader("PrivateToken challenge=\"A*B\", token-key=AAE"));
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenChallenge.parseHeader("PrivateToken challenge=\"A\", token-key=AAE"));
    }

    @Test
    void privateTokenWithBadMaxAgeIsRefused() {
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenChallenge.parseHeader(
                        "PrivateToken challenge=" + CHALLENGE + ", token-key=AAE, max-age=\"-1\""));
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenChallenge.parseHeader(
                        "PrivateToken challenge=" + CHALLENGE + ", token-key=AAE, max-age=\"99999999999999999999\""));
    }

    @Test
    void authorizationWithOtherSchemeIsRefused() {
        assertThrows(AuthHeaderException.class, () -> PrivateTokenCredentials.parseTokenBytes("Bearer abc"));
    }

    @Test
    void authorizationWithTwoCredentialsIsRefused() {
        assertThrows(
                AuthHeaderException.class,
                () -> PrivateTokenCredentials.parseTokenBytes("PrivateToken token=AA, PrivateToken token=AB"));
    }

    @Test
    void authorizationWithoutTokenParameterIsRefused() {
        assertThrows(AuthHeaderException.class, () -> PrivateTokenCredentials.parseTokenBytes("PrivateToken tok=AA"));
        assertThrows(AuthHeaderException.class, () -> PrivateTokenCredentials.parseTokenBytes("PrivateToken AAAA"));
    }

    @Test
    void authorizationWithMalformedTokenBytesIsATokenFormatError() {
        assertThrows(
                dev.cloister.tokens.privacypass.TokenFormatException.class,
                () -> PrivateTokenCredentials.parse("PrivateToken token=AAEC"));
    }
}
