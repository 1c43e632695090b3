package dev.cloister.tokens.privacypass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.EvaluatedElement;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import dev.cloister.tokens.oprf.InvalidScalarException;
import dev.cloister.tokens.oprf.Proof;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every decoder refuses malformed input with a typed exception; one named case per check. */
class WireFormatTest {
    static final Group G = Group.of(IssuerPublicKey.SUITE);
    static final BlindedElement B = new BlindedElement(G.multiplyGenerator(BigInteger.valueOf(99)));
    static final EvaluatedElement E = new EvaluatedElement(G.multiplyGenerator(BigInteger.valueOf(77)));
    static final Proof P = new Proof(BigInteger.ONE, BigInteger.TWO);

    static byte[] request() {
        return new TokenRequest(0x42, B).encode();
    }

    // --- TokenRequest (RFC 9578 §5.1)

    @Test
    void tokenRequestRoundTrips() throws Exception {
        assertArrayEquals(request(), TokenRequest.decode(request()).encode());
    }

    @Test
    void tokenRequestOfOtherTokenTypeIsRefused() {
        byte[] r = request();
        r[1] = 0x02;
        TokenFormatException e = assertThrows(TokenFormatException.class, () -> TokenRequest.decode(r));
        assertTrue(e.getMessage().contains("0x0002"), e.getMessage());
    }

    @Test
    void tokenRequestOfWrongLengthIsRefused() {
        assertThrows(TokenFormatException.class, () -> TokenRequest.decode(Arrays.copyOf(request(), 51)));
        assertThrows(TokenFormatException.class, () -> TokenRequest.decode(Arrays.copyOf(request(), 53)));
        assertThrows(TokenFormatException.class, () -> TokenRequest.decode(new byte[0]));
    }

    @Test
    void tokenRequestWithPointOffTheCurveIsRefused() {
        byte[] r = request();
        for (int x = 1; x < 64; x++) {
            Arrays.fill(r, 4, 52, (byte) 0);
            r[51] = (byte) x;
            try {
                TokenRequest.decode(r);
            } catch (TokenFormatException e) {
                assertInstanceOf(InvalidElementException.class, e.getCause());
                return;
            }
        }
        throw new AssertionError("no x below 64 is off the curve?");
    }

    @Test
    void tokenRequestWithIdentityIsRefused() {
        byte[] r = request();
        Arrays.fill(r, 3, 52, (byte) 0);
        TokenFormatException e = assertThrows(TokenFormatException.class, () -> TokenRequest.decode(r));
        assertInstanceOf(InvalidElementException.class, e.getCause());
    }

    // --- TokenResponse (RFC 9578 §5.2)

    @Test
    void tokenResponseRoundTrips() throws Exception {
        byte[] r = new TokenResponse(E, P).encode();
        assertArrayEquals(r, TokenResponse.decode(r).encode());
    }

    @Test
    void tokenResponseOfWrongLengthIsRefused() {
        byte[] r = new TokenResponse(E, P).encode();
        assertThrows(TokenFormatException.class, () -> TokenResponse.decode(Arrays.copyOf(r, r.length - 1)));
        assertThrows(TokenFormatException.class, () -> TokenResponse.decode(Arrays.copyOf(r, r.length + 1)));
    }

    @Test
    void tokenResponseWithScalarAboveOrderIsRefused() {
        byte[] r = new TokenResponse(E, P).encode();
        Arrays.fill(r, 49, 97, (byte) 0xff);
        TokenFormatException e = assertThrows(TokenFormatException.class, () -> TokenResponse.decode(r));
        assertInstanceOf(InvalidScalarException.class, e.getCause());
    }

    @Test
    void tokenResponseWithIdentityElementIsRefused() {
        byte[] r = new TokenResponse(E, P).encode();
        Arrays.fill(r, 0, 49, (byte) 0);
        assertThrows(TokenFormatException.class, () -> TokenResponse.decode(r));
    }

    // --- Token (RFC 9577 §2.2)

    @Test
    void tokenOfOtherTypeIsRefused() {
        byte[] t = new byte[Token.LENGTH];
        t[1] = 0x02;
        assertThrows(TokenFormatException.class, () -> Token.decode(t));
        assertThrows(TokenFormatException.class, () -> Token.decode(new byte[1]));
    }

    @Test
    void tokenOfWrongLengthIsRefused() {
        byte[] t = new byte[Token.LENGTH + 1];
        t[1] = 0x01;
        assertThrows(TokenFormatException.class, () -> Token.decode(t));
        assertThrows(TokenFormatException.class, () -> Token.decode(Arrays.copyOf(t, Token.LENGTH - 1)));
    }

    // --- Batched (draft-ietf-privacypass-batched-tokens layout)

    @Test
    void batchRequestRoundTrips() throws Exception {
        AmortizedBatchTokenRequest r = new AmortizedBatchTokenRequest(7, Collections.nCopies(3, B));
        byte[] enc = r.encode();
        assertEquals(2 + 1 + 2 + 3 * 49, enc.length, "147 bytes need a 2-byte varint");
        assertArrayEquals(enc, AmortizedBatchTokenRequest.decode(enc, 64).encode());
        AmortizedBatchTokenRequest one = new AmortizedBatchTokenRequest(7, List.of(B));
        assertEquals(
                HexFormat.of().formatHex(new byte[] {0, 1, 7, 49}),
                HexFormat.of().formatHex(Arrays.copyOf(one.encode(), 4)));
    }

    @Test
    void batchRequestOverTheMaximumIsRefusedBeforeDecoding() {
        byte[] enc = new AmortizedBatchTokenRequest(7, Collections.nCopies(65, B)).encode();
        BatchTooLargeException e =
                assertThrows(BatchTooLargeException.class, () -> AmortizedBatchTokenRequest.decode(enc, 64));
        assertEquals(65, e.size());
        // A huge claimed length is refused without allocating for it.
        byte[] huge = {0, 1, 7, (byte) 0xbf, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThrows(TokenFormatException.class, () -> AmortizedBatchTokenRequest.decode(huge, 64));
    }

    @Test
    void batchRequestWithNonMinimalLengthIsRefused() {
        byte[] one = new AmortizedBatchTokenRequest(7, List.of(B)).encode();
        byte[] nonMinimal = new byte[one.length + 1];
        System.arraycopy(one, 0, nonMinimal, 0, 3);
        nonMinimal[3] = 0x40;
        nonMinimal[4] = 49;
        System.arraycopy(one, 4, nonMinimal, 5, 49);
        assertThrows(TokenFormatException.class, () -> AmortizedBatchTokenRequest.decode(nonMinimal, 64));
    }

    @Test
    void batchRequestWithLengthMismatchIsRefused() {
        byte[] enc = new AmortizedBatchTokenRequest(7, List.of(B, B)).encode();
        assertThrows(
                TokenFormatException.class,
                () -> AmortizedBatchTokenRequest.decode(Arrays.copyOf(enc, enc.length - 1), 64));
        assertThrows(
                TokenFormatException.class,
                () -> AmortizedBatchTokenRequest.decode(Arrays.copyOf(enc, enc.length + 1), 64));
        byte[] notMultiple = {0, 1, 7, 48};
        assertThrows(
                TokenFormatException.class,
                () -> AmortizedBatchTokenRequest.decode(Arrays.copyOf(notMultiple, 52), 64));
    }

    @Test
    void emptyBatchIsRefused() {
        assertThrows(TokenFormatException.class, () -> AmortizedBatchTokenRequest.decode(new byte[] {0, 1, 7, 0}, 64));
        assertThrows(TokenFormatException.class, () -> AmortizedBatchTokenResponse.decode(new byte[1 + 96], 64));
    }

    @Test
    void batchRequestOfOtherTokenTypeIsRefused() {
        byte[] enc = new AmortizedBatchTokenRequest(7, List.of(B)).encode();
        enc[1] = 5;
        assertThrows(TokenFormatException.class, () -> AmortizedBatchTokenRequest.decode(enc, 64));
    }

    @Test
    void batchResponseRoundTripsAndRefusesTrailingBytes() throws Exception {
        byte[] enc = new AmortizedBatchTokenResponse(List.of(E, E), P).encode();
        assertArrayEquals(enc, AmortizedBatchTokenResponse.decode(enc, 64).encode());
        assertThrows(
                TokenFormatException.class,
                () -> AmortizedBatchTokenResponse.decode(Arrays.copyOf(enc, enc.length + 1), 64));
        assertThrows(BatchTooLargeException.class, () -> AmortizedBatchTokenResponse.decode(enc, 1));
    }

    // --- TokenChallenge (RFC 9577 §2.1)

    @Test
    void challengeWithBadRedemptionContextLengthIsRefused() {
        byte[] c = TokenChallenge.of(1, "i.example", new byte[32], "o.example").encode();
        c[2 + 2 + 9] = 16; // redemption_context length byte
        assertThrows(TokenFormatException.class, () -> TokenChallenge.decode(c));
        assertThrows(IllegalArgumentException.class, () -> TokenChallenge.of(1, "i.example", new byte[16], ""));
    }

    @Test
    void challengeWithEmptyIssuerIsRefused() {
        assertThrows(TokenFormatException.class, () -> TokenChallenge.decode(new byte[] {0, 1, 0, 0, 0, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> TokenChallenge.of(1, "", new byte[0], ""));
    }

    @Test
    void challengeWithTrailingOrMissingBytesIsRefused() {
        byte[] c = TokenChallenge.of(1, "i.example", new byte[0], "o.example").encode();
        assertThrows(TokenFormatException.class, () -> TokenChallenge.decode(Arrays.copyOf(c, c.length + 1)));
        assertThrows(TokenFormatException.class, () -> TokenChallenge.decode(Arrays.copyOf(c, c.length - 1)));
    }

    @Test
    void challengeWithNonAsciiNameIsRefused() {
        byte[] c = TokenChallenge.of(1, "i.example", new byte[0], "").encode();
        c[4] = (byte) 0xc3;
        assertThrows(TokenFormatException.class, () -> TokenChallenge.decode(c));
    }

    // --- Issuer directory (RFC 9578 §4)

    @Test
    void directoryRoundTripsAndIgnoresUnknownMembers() throws Exception {
        String json = "{\"issuer-request-uri\":\"https://issuer.example/req\",\"extra\":[1,{\"a\":null}],"
                + "\"token-keys\":[{\"token-type\":1,\"token-key\":\"AAEC\",\"not-before\":1700000000,\"x\":true},"
                + "{\"token-type\":2,\"token-key\":\"AAE=\"}]}";
        IssuerDirectory d = IssuerDirectory.parse(json);
        assertEquals("https://issuer.example/req", d.issuerRequestUri());
        assertEquals(2, d.tokenKeys().size());
        assertArrayEquals(new byte[] {0, 1, 2}, d.tokenKeys().get(0).tokenKey().toByteArray());
        assertEquals(
                Optional.of(java.time.Instant.ofEpochSecond(1700000000)),
                d.tokenKeys().get(0).notBefore());
        assertEquals(d, IssuerDirectory.parse(d.toJson()));
    }

    @Test
    void directoryThatIsNotJsonIsRefused() {
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("{\"issuer-request-uri\":"));
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("[]"));
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("{} x"));
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("[".repeat(100) + "]".repeat(100)));
    }

    @Test
    void directoryWithMissingOrMistypedMembersIsRefused() {
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("{\"token-keys\":[]}"));
        assertThrows(TokenFormatException.class, () -> IssuerDirectory.parse("{\"issuer-request-uri\":\"u\"}"));
        assertThrows(
                TokenFormatException.class,
                () -> IssuerDirectory.parse(
                        "{\"issuer-request-uri\":\"u\",\"token-keys\":[{\"token-type\":\"1\",\"token-key\":\"AA\"}]}"));
        assertThrows(
                TokenFormatException.class,
                () -> IssuerDirectory.parse(
                        "{\"issuer-request-uri\":\"u\",\"token-keys\":[{\"token-type\":1.5,\"token-key\":\"AA\"}]}"));
        assertThrows(
                TokenFormatException.class,
                () -> IssuerDirectory.parse(
                        "{\"issuer-request-uri\":\"u\",\"token-keys\":[{\"token-type\":1,\"token-key\":\"A*A\"}]}"));
        assertThrows(
                TokenFormatException.class,
                () -> IssuerDirectory.parse(
                        "{\"issuer-request-uri\":\"u\",\"token-keys\":[{\"token-type\":1,\"token-key\":\"AA\",\"not-before\":-5}]}"));
        assertThrows(
                TokenFormatException.class,
                () -> IssuerDirectory.parse(
                        "{\"issuer-request-uri\":\"u\",\"issuer-request-uri\":\"v\",\"token-keys\":[]}"));
    }
}
