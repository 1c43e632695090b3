package dev.cloister.tokens.auth;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.Vectors;
import dev.cloister.tokens.MarkdownVectors;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenFormatException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** RFC 9577 Appendix A: the challenge/redemption structure vectors (A.1) and the WWW-Authenticate header vectors (A.2). */
class Rfc9577VectorTest {
    private static final String FILE = "rfc9577-auth-scheme-vectors.md";

    private static List<Map<String, String>> blocks() {
        return MarkdownVectors.blocks(Vectors.read("privacypass-rfc9577-9578", FILE));
    }

    @TestFactory
    List<DynamicTest> challengeAndRedemptionStructures() {
        List<Map<String, String>> structures = blocks().stream()
                .filter(b -> b.containsKey("token_authenticator_input"))
                .toList();
        assertEquals(6, structures.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < structures.size(); i++) {
            Map<String, String> v = structures.get(i);
            tests.add(DynamicTest.dynamicTest("RFC 9577 A.1 vector " + (i + 1), () -> structure(v)));
        }
        return tests;
    }

    private static void structure(Map<String, String> v) throws Exception {
        byte[] input = hex(v.get("token_authenticator_input"));
        int type = Integer.parseInt(v.get("token_type"), 16);
        if (type == 0) {
            // Greasing: random bytes of an unknown token type must be refused, not crash.
            assertThrows(TokenFormatException.class, () -> Token.decode(input));
            return;
        }
        TokenChallenge challenge = TokenChallenge.of(
                type,
                new String(hex(v.get("issuer_name")), StandardCharsets.US_ASCII),
                hex(v.get("redemption_context")),
                new String(hex(v.get("origin_info")), StandardCharsets.US_ASCII));
        assertEquals(challenge, TokenChallenge.decode(challenge.encode()));
        // token_authenticator_input = token_type ‖ nonce ‖ challenge_digest ‖ token_key_id
        byte[] expected =
                concat(hex(v.get("token_type")), hex(v.get("nonce")), challenge.digest(), hex(v.get("token_key_id")));
        assertEquals(Vectors.hex(input), Vectors.hex(expected));
        if (!v.get("origin_info").isEmpty()) {
            assertEquals(
                    Arrays.asList(new String(hex(v.get("origin_info")), StandardCharsets.US_ASCII).split(",")),
                    challenge.origins());
        }
    }

    @TestFactory
    List<DynamicTest> wwwAuthenticateHeaders() {
        List<Map<String, String>> headers =
                blocks().stream().filter(b -> b.containsKey("WWW-Authenticate")).toList();
        assertEquals(3, headers.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
            Map<String, String> v = headers.get(i);
            tests.add(DynamicTest.dynamicTest("RFC 9577 A.2 header " + (i + 1), () -> header(v)));
        }
        return tests;
    }

    private static void header(Map<String, String> v) throws Exception {
        String value = v.get("WWW-Authenticate");
        List<PrivateTokenChallenge> parsed = PrivateTokenChallenge.parseHeader(value);
        int n = 0;
        while (v.containsKey("token-type-" + n)) {
            n++;
        }
        assertEquals(n, parsed.size(), "PrivateToken challenges in " + value);
        for (int i = 0; i < n; i++) {
            PrivateTokenChallenge c = parsed.get(i);
            assertEquals(Integer.decode(v.get("token-type-" + i)).intValue(), c.tokenType(), "token-type-" + i);
            assertEquals(v.get("token-key-" + i), c.tokenKey().hex(), "token-key-" + i);
            assertEquals(v.get("token-challenge-" + i), c.challenge().hex(), "token-challenge-" + i);
            String maxAge = v.get("max-age-" + i);
            assertEquals(
                    maxAge == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(maxAge)),
                    c.maxAge(),
                    "max-age-" + i);
            if (c.tokenType() != 0) {
                assertEquals(c.tokenType(), c.decodeChallenge().tokenType());
            }
        }
        // Formatting then parsing again gives the same challenges.
        assertEquals(parsed, PrivateTokenChallenge.parseHeader(PrivateTokenChallenge.formatHeader(parsed)));
        // The grease vector also carries a Basic challenge, which the generic parser sees and PrivateToken parsing
        // skips.
        if (value.startsWith("Basic")) {
            List<AuthChallenge> all = AuthHeaderParser.parse(value);
            assertTrue(all.getFirst().isScheme("Basic"));
            assertEquals("grease", all.getFirst().param("realm").orElseThrow());
        }
    }

    private static byte[] concat(byte[]... parts) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        MessageDigest.getInstance("SHA-256");
        return out.toByteArray();
    }
}
