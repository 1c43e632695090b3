package dev.cloister.tokens.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

class AuthHeaderFuzzTest {

    /**
     * Any header value either parses, with PrivateToken challenges that survive format-then-parse unchanged, or raises
     * AuthHeaderException; never another exception, never a hang.
     */
    @FuzzTest
    void parseHeaders(byte[] input) {
        String value = new String(input, StandardCharsets.ISO_8859_1);
        try {
            List<AuthChallenge> all = AuthHeaderParser.parse(value);
            assertTrue(all.size() <= AuthHeaderParser.MAX_CHALLENGES);
        } catch (AuthHeaderException e) {
            assertTrue(e.getMessage() != null);
        }
        try {
            List<PrivateTokenChallenge> challenges = PrivateTokenChallenge.parseHeader(value);
            if (!challenges.isEmpty()) {
                assertEquals(
                        challenges, PrivateTokenChallenge.parseHeader(PrivateTokenChallenge.formatHeader(challenges)));
            }
        } catch (AuthHeaderException e) {
            assertTrue(e.getMessage() != null);
        }
        try {
            byte[] token = PrivateTokenCredentials.parseTokenBytes(value);
            assertTrue(PrivateTokenCredentials.parseTokenBytes(PrivateTokenCredentials.format(token)).length
                    == token.length);
        } catch (AuthHeaderException e) {
            assertTrue(e.getMessage() != null);
        }
    }
}
