package dev.cloister.tokens.privacypass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

class TokenRequestFuzzTest {

    /** Any bytes either decode as a (batched) TokenRequest that re-encodes to the same bytes, or raise TokenFormatException. */
    @FuzzTest
    void decodeTokenRequests(byte[] input) {
        try {
            assertArrayEquals(input, TokenRequest.decode(input).encode());
        } catch (TokenFormatException e) {
            assertTrue(e.getMessage().startsWith("TokenRequest"), e.getMessage());
        }
        try {
            AmortizedBatchTokenRequest r = AmortizedBatchTokenRequest.decode(input, 64);
            assertTrue(r.blindedElements().size() <= 64);
            assertArrayEquals(input, r.encode());
        } catch (TokenFormatException e) {
            assertTrue(e.getMessage().startsWith("AmortizedBatchTokenRequest"), e.getMessage());
        }
    }
}
