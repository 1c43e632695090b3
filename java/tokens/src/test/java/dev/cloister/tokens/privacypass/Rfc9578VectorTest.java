package dev.cloister.tokens.privacypass;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.base.SecretBytes;
import dev.cloister.testing.Vectors;
import dev.cloister.tokens.MarkdownVectors;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.oprf.BlindEvaluation;
import dev.cloister.tokens.oprf.OprfKeyPair;
import dev.cloister.tokens.oprf.OprfSuite;
import dev.cloister.tokens.oprf.VoprfServer;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * RFC 9578 Appendix A.1 (issuance protocol 1, VOPRF(P-384, SHA-384)), all five vectors: key, TokenChallenge,
 * TokenRequest (client side, with the vector's nonce and blind), the issuer's evaluation of that request, client
 * finalization of the vector's TokenResponse into the vector's Token, and redemption of that Token.
 */
class Rfc9578VectorTest {

    @TestFactory
    List<DynamicTest> issuanceProtocol1() {
        List<Map<String, String>> blocks = MarkdownVectors.blocks(
                Vectors.read("privacypass-rfc9577-9578", "rfc9578-issuance-type1-voprf-p384.md"));
        assertEquals(5, blocks.size(), "five test vectors");
        List<DynamicTest> tests = new ArrayList<>();
        int i = 1;
        for (Map<String, String> v : blocks) {
            tests.add(DynamicTest.dynamicTest("RFC 9578 A.1 vector " + i++, () -> run(v)));
        }
        return tests;
    }

    private static void run(Map<String, String> v) throws Exception {
        OprfKeyPair keys = OprfKeyPair.fromPrivateKey(OprfSuite.P384_SHA384, SecretBytes.copyOf(hex(v.get("skS"))));
        IssuerPublicKey pk = IssuerPublicKey.decode(hex(v.get("pkS")));
        assertEquals(
                v.get("pkS"), Vectors.hex(IssuerPublicKey.of(keys.publicKey()).encoded()), "pkS from skS");

        TokenChallenge challenge = TokenChallenge.decode(hex(v.get("token_challenge")));
        assertEquals(v.get("token_challenge"), Vectors.hex(challenge.encode()), "TokenChallenge round trip");
        TokenChallenge rebuilt = TokenChallenge.of(
                challenge.tokenType(), challenge.issuerName(), challenge.redemptionContext(), challenge.originInfo());
        assertEquals(challenge, rebuilt);

        // Client: the request is deterministic given the nonce and the blind.
        BigInteger blind = new BigInteger(1, hex(v.get("blind")));
        PrivateTokenClient client = new PrivateTokenClient(pk, new SecureRandom(), g -> blind);
        PendingToken pending = client.createTokenRequest(challenge, hex(v.get("nonce")));
        assertEquals(v.get("token_request"), Vectors.hex(pending.request().encode()), "TokenRequest");
        TokenRequest request = TokenRequest.decode(hex(v.get("token_request")));
        assertEquals(pk.keyId().truncated(), request.truncatedTokenKeyId());

        // Issuer: the evaluation is deterministic; the proof's nonce is not given, so check the element and that ours
        // verifies.
        byte[] responseBytes = hex(v.get("token_response"));
        TokenResponse response = TokenResponse.decode(responseBytes);
        assertEquals(v.get("token_response"), Vectors.hex(response.encode()), "TokenResponse round trip");
        BlindEvaluation ours =
                new VoprfServer(keys).blindEvaluate(List.of(request.blindedElement()), g -> new BigInteger("1234567"));
        assertArrayEquals(
                response.evaluatedElement().encode(),
                ours.evaluatedElements().getFirst().encode(),
                "evaluate_msg");

        // Client: finalizing the vector's response (its proof verifies) gives the vector's token.
        Token token = client.finalizeToken(pending, response);
        assertEquals(v.get("token"), Vectors.hex(token.encode()), "Token");
        Token fromOurResponse = client.finalizeToken(
                pending, new TokenResponse(ours.evaluatedElements().getFirst(), ours.proof()));
        assertEquals(token, fromOurResponse);

        // Redeemer: the authenticator is Evaluate(skS, token_input), and the fields are what the client committed to.
        Token decoded = Token.decode(hex(v.get("token")));
        assertArrayEquals(hex(v.get("nonce")), decoded.nonce());
        assertArrayEquals(challenge.digest(), decoded.challengeDigest());
        assertEquals(TokenKeyId.forPublicKey(hex(v.get("pkS"))), decoded.tokenKeyId());
        assertArrayEquals(
                new VoprfServer(keys).evaluate(decoded.authenticatorInput()), decoded.authenticator(), "authenticator");
    }
}
