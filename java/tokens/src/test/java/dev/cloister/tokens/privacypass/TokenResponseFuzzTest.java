package dev.cloister.tokens.privacypass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

class TokenResponseFuzzTest {

    /** Any bytes either decode as a (batched) TokenResponse that re-encodes to the same bytes, or raise TokenFormatException. */
    @FuzzTest
    void decodeTokenResponses(byte[] input) {
        try {
            assertArrayEquals(input, TokenResponse.decode(input).encode());
        } catch (TokenFormatException e) {
            assertTrue(e.getMessage().startsWith("TokenResponse"), e.getMessage());
        }
        try {
            AmortizedBatchTokenResponse r = AmortizedBatchTokenResponse.decode(input, 64);
            assertTrue(r.evaluatedElements().size() <= 64);
            assertArrayEquals(input, r.encode());
        } catch (TokenFormatException e) {
            assertTrue(e.getMessage().startsWith("AmortizedBatchTokenResponse"), e.getMessage());
        }
    }
}
