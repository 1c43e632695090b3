package dev.cloister.tokens.privacypass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

class TokenFuzzTest {

    /**
     * Token, TokenChallenge and issuer-directory decoding: a value that decodes re-encodes to the same bytes (for the
     * directory: parses again to the same value); anything else is a TokenFormatException.
     */
    @FuzzTest
    void decodeTokensChallengesAndDirectories(byte[] input) {
        try {
            assertArrayEquals(input, Token.decode(input).encode());
        } catch (TokenFormatException e) {
            // refused with a reason: fine
            assertEquals(TokenFormatException.class, e.getClass());
        }
        try {
            assertArrayEquals(input, TokenChallenge.decode(input).encode());
        } catch (TokenFormatException e) {
            assertEquals(TokenFormatException.class, e.getClass());
        }
        try {
            IssuerDirectory d = IssuerDirectory.parse(new String(input, StandardCharsets.UTF_8));
            assertEquals(d, IssuerDirectory.parse(d.toJson()));
        } catch (TokenFormatException e) {
            assertEquals(TokenFormatException.class, e.getClass());
        }
    }
}
