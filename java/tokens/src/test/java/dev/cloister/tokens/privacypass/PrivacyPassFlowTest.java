package dev.cloister.tokens.privacypass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.base.SecretBytes;
import dev.cloister.tokens.auth.PrivateTokenChallenge;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.keys.Epoch;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import dev.cloister.tokens.keys.IssuerKey;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.EvaluatedElement;
import dev.cloister.tokens.oprf.Proof;
import dev.cloister.tokens.store.FileSpentTokenStore;
import dev.cloister.tokens.store.InMemorySpentTokenStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole library flow: the issuer publishes keys, the client reads the directory, gets a batch of tokens, and the
 * redeemer accepts each exactly once; plus every refusal the issuer and the redeemer make, each named.
 */
class PrivacyPassFlowTest {
    static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");
    static final EpochSchedule DAILY = new EpochSchedule(ORIGIN, Duration.ofDays(1));
    static final Instant NOW = ORIGIN.plus(Duration.ofDays(331)).plusSeconds(3600);
    static final SecureRandom RANDOM = new SecureRandom();

    final InsecureLocalKeyPublication ledger = new InsecureLocalKeyPublication();
    final EpochKeySchedule keys = new EpochKeySchedule(
            DAILY, new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])), ledger, Duration.ofHours(1));
    final PrivateTokenIssuer issuer = new PrivateTokenIssuer(keys, 64, RANDOM);
    final TokenChallenge challenge = TokenChallenge.of(
            TokenType.VOPRF_P384_SHA384, "issuer.cloister.example", new byte[0], List.of("gateway.cloister.example"));
    final AcceptedChallenges accepted = AcceptedChallenges.of(challenge);

    /** The client learns the key from the directory JSON, as over HTTP. */
    PrivateTokenClient clientFromDirectory() throws Exception {
        String json = IssuerDirectory.of("https://issuer.cloister.example/token-request", keys.directoryKeys(NOW))
                .toJson();
        IssuerDirectory directory = IssuerDirectory.parse(json);
        IssuerDirectory.TokenKey first = directory.tokenKeys().getFirst();
        assertEquals(1, first.tokenType());
        assertEquals(DAILY.start(DAILY.epochAt(NOW)), first.notBefore().orElseThrow());
        return new PrivateTokenClient(IssuerPublicKey.decode(first.tokenKey().toByteArray()), RANDOM);
    }

    @Test
    void batchOf32IssuedAndEachRedeemedExactlyOnceWithTheDurableStore(@TempDir Path dir) throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, 32);
        byte[] requestBytes = pending.request().encode();
        AmortizedBatchTokenResponse response =
                issuer.issue(AmortizedBatchTokenRequest.decode(requestBytes, issuer.maxBatch()), NOW);
        List<Token> tokens = client.finalizeBatch(pending, AmortizedBatchTokenResponse.decode(response.encode(), 32));
        assertEquals(32, tokens.size());
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, store);
            for (Token t : tokens) {
                String header = PrivateTokenCredentials.format(t);
                RedeemedToken r = redeemer.redeem(PrivateTokenCredentials.parseTokenBytes(header), accepted, NOW);
                assertEquals(DAILY.epochAt(NOW), r.epoch());
            }
            for (Token t : tokens) {
                assertRefused(RedemptionRefusedException.Reason.DOUBLE_SPEND, () -> redeemer.redeem(t, accepted, NOW));
            }
        }
        // After a restart the tokens are still spent.
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, store);
            assertRefused(
                    RedemptionRefusedException.Reason.DOUBLE_SPEND,
                    () -> redeemer.redeem(tokens.get(5), accepted, NOW));
        }
    }

    @Test
    void singleTokenRfcFormIsByteExactAndRedeems() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingToken pending = client.createTokenRequest(challenge);
        byte[] request = pending.request().encode();
        assertEquals(TokenRequest.LENGTH, request.length);
        TokenResponse response = issuer.issue(TokenRequest.decode(request), NOW);
        byte[] responseBytes = response.encode();
        assertEquals(TokenResponse.LENGTH, responseBytes.length);
        Token token = client.finalizeToken(pending, TokenResponse.decode(responseBytes));
        assertArrayEquals(token.encode(), Token.decode(token.encode()).encode());
        PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore());
        redeemer.redeem(token, accepted, NOW);
        // And the WWW-Authenticate challenge the gateway sends round-trips.
        String www = PrivateTokenChallenge.of(
                        challenge, keys.issuanceKey(NOW).key().publicKey().encoded(), OptionalLong.of(60))
                .format();
        assertEquals(
                challenge, PrivateTokenChallenge.parseHeader(www).getFirst().decodeChallenge());
    }

    /** A client whose clock runs ahead picks the next epoch's (published) key: issuer and redeemer both serve it. */
    @Test
    void tokenUnderTheNextEpochsKeyIsIssuedAndRedeemed() throws Exception {
        IssuerKey next = keys.directoryKeys(NOW).get(1);
        assertEquals(DAILY.epochAt(NOW).next(), next.epoch());
        PrivateTokenClient client = new PrivateTokenClient(next.publicKey(), RANDOM);
        PendingToken pending = client.createTokenRequest(challenge);
        Token token = client.finalizeToken(pending, issuer.issue(pending.request(), NOW));
        RedeemedToken r = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore()).redeem(token, accepted, NOW);
        assertEquals(next.epoch(), r.epoch());
    }

    @Test
    void issuerRefusesOversizedBatch() throws Exception {
        PrivateTokenIssuer small = new PrivateTokenIssuer(keys, 4, RANDOM);
        PendingTokenBatch pending = clientFromDirectory().createBatchTokenRequest(challenge, 5);
        IssuanceRefusedException e =
                assertThrows(IssuanceRefusedException.class, () -> small.issue(pending.request(), NOW));
        assertEquals(IssuanceRefusedException.Reason.BATCH_TOO_LARGE, e.reason());
        assertThrows(
                BatchTooLargeException.class,
                () -> AmortizedBatchTokenRequest.decode(pending.request().encode(), 4));
    }

    @Test
    void issuerRefusesUnknownTruncatedKeyId() throws Exception {
        PendingToken pending = clientFromDirectory().createTokenRequest(challenge);
        int wrong = (pending.request().truncatedTokenKeyId() + 1) & 0xff;
        for (IssuerKey k : keys.directoryKeys(NOW)) {
            if (k.keyId().truncated() == wrong) {
                wrong = (wrong + 1) & 0xff;
            }
        }
        TokenRequest bad = new TokenRequest(wrong, pending.request().blindedElement());
        IssuanceRefusedException e = assertThrows(IssuanceRefusedException.class, () -> issuer.issue(bad, NOW));
        assertEquals(IssuanceRefusedException.Reason.UNKNOWN_TOKEN_KEY, e.reason());
    }

    @Test
    void issuerRefusesKeyOfAnExpiredEpoch() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingToken pending = client.createTokenRequest(challenge);
        // Two days later that key neither issues nor is next.
        Instant later = NOW.plus(Duration.ofDays(2));
        boolean collides = keys.directoryKeys(later).stream()
                .anyMatch(k -> k.keyId().truncated() == pending.request().truncatedTokenKeyId());
        if (!collides) {
            IssuanceRefusedException e =
                    assertThrows(IssuanceRefusedException.class, () -> issuer.issue(pending.request(), later));
            assertEquals(IssuanceRefusedException.Reason.UNKNOWN_TOKEN_KEY, e.reason());
        }
    }

    @Test
    void issuerRefusesWhenTheKeyCannotBePublished() {
        EpochKeySchedule unpublishable = new EpochKeySchedule(
                DAILY,
                new EpochKeySource.Derived(SecretBytes.copyOf(new byte[32])),
                key -> {
                    throw new dev.cloister.tokens.keys.KeyPublicationException("ledger down");
                },
                Duration.ZERO);
        PrivateTokenIssuer blocked = new PrivateTokenIssuer(unpublishable, 64, RANDOM);
        BlindedElement b = new BlindedElement(
                dev.cloister.tokens.oprf.Group.of(IssuerPublicKey.SUITE).generator());
        IssuanceRefusedException e =
                assertThrows(IssuanceRefusedException.class, () -> blocked.issue(new TokenRequest(0, b), NOW));
        assertEquals(IssuanceRefusedException.Reason.KEY_NOT_PUBLISHED, e.reason());
    }

    @Test
    void clientRejectsResponseWithTamperedProof() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, 3);
        AmortizedBatchTokenResponse good = issuer.issue(pending.request(), NOW);
        Proof p = good.proof();
        AmortizedBatchTokenResponse tampered = new AmortizedBatchTokenResponse(
                good.evaluatedElements(), new Proof(p.c(), p.s().add(java.math.BigInteger.ONE)));
        assertThrows(ResponseRejectedException.class, () -> client.finalizeBatch(pending, tampered));
    }

    @Test
    void clientRejectsResponseWithSwappedElements() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, 2);
        AmortizedBatchTokenResponse good = issuer.issue(pending.request(), NOW);
        List<EvaluatedElement> swapped =
                new ArrayList<>(good.evaluatedElements().reversed());
        assertThrows(
                ResponseRejectedException.class,
                () -> client.finalizeBatch(pending, new AmortizedBatchTokenResponse(swapped, good.proof())));
    }

    @Test
    void clientRejectsResponseUnderAnotherKey() throws Exception {
        // An issuer that tags a user with an unpublished key fails the DLEQ check against the published key.
        EpochKeySchedule rogue = new EpochKeySchedule(
                DAILY, new EpochKeySource.Random(RANDOM), new InsecureLocalKeyPublication(), Duration.ZERO);
        PrivateTokenClient client = clientFromDirectory();
        PendingToken pending = client.createTokenRequest(challenge);
        int t = rogue.issuanceKey(NOW).keyId().truncated();
        TokenResponse response = new PrivateTokenIssuer(rogue, 64, RANDOM)
                .issue(new TokenRequest(t, pending.request().blindedElement()), NOW);
        assertThrows(ResponseRejectedException.class, () -> client.finalizeToken(pending, response));
    }

    @Test
    void clientRejectsResponseOfWrongBatchSize() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, 2);
        AmortizedBatchTokenResponse good = issuer.issue(pending.request(), NOW);
        assertThrows(
                ResponseRejectedException.class,
                () -> client.finalizeBatch(
                        pending,
                        new AmortizedBatchTokenResponse(good.evaluatedElements().subList(0, 1), good.proof())));
    }

    private Token issueOne() throws Exception {
        PrivateTokenClient client = clientFromDirectory();
        PendingToken pending = client.createTokenRequest(challenge);
        return client.finalizeToken(pending, issuer.issue(pending.request(), NOW));
    }

    @Test
    void redeemerRefusesForgedAuthenticator() throws Exception {
        Token t = issueOne();
        byte[] auth = t.authenticator();
        auth[0] ^= 1;
        Token forged = new Token(t.nonce(), t.challengeDigest(), t.tokenKeyId(), auth);
        PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore());
        assertRefused(
                RedemptionRefusedException.Reason.INVALID_AUTHENTICATOR, () -> redeemer.redeem(forged, accepted, NOW));
        // The forged token did not spend the nonce: the genuine one still redeems.
        redeemer.redeem(t, accepted, NOW);
    }

    @Test
    void redeemerRefusesChangedNonce() throws Exception {
        Token t = issueOne();
        byte[] nonce = t.nonce();
        nonce[31] ^= 1;
        Token changed = new Token(nonce, t.challengeDigest(), t.tokenKeyId(), t.authenticator());
        assertRefused(
                RedemptionRefusedException.Reason.INVALID_AUTHENTICATOR,
                () -> new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore()).redeem(changed, accepted, NOW));
    }

    @Test
    void redeemerRefusesChallengeOfAnotherOrigin() throws Exception {
        Token t = issueOne();
        AcceptedChallenges other = AcceptedChallenges.of(TokenChallenge.of(
                TokenType.VOPRF_P384_SHA384, "issuer.cloister.example", new byte[0], List.of("elsewhere.example")));
        assertRefused(
                RedemptionRefusedException.Reason.CHALLENGE_MISMATCH,
                () -> new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore()).redeem(t, other, NOW));
    }

    @Test
    void redeemerRefusesUnknownKeyId() throws Exception {
        Token t = issueOne();
        Token wrongKey = new Token(
                t.nonce(),
                t.challengeDigest(),
                dev.cloister.tokens.keys.TokenKeyId.of(new byte[32]),
                t.authenticator());
        assertRefused(
                RedemptionRefusedException.Reason.UNKNOWN_TOKEN_KEY,
                () -> new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore()).redeem(wrongKey, accepted, NOW));
    }

    @Test
    void redeemerRefusesTokenOfAnExpiredEpoch() throws Exception {
        Token t = issueOne();
        PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore());
        Instant nextDayAfterGrace = DAILY.end(DAILY.epochAt(NOW)).plus(Duration.ofHours(2));
        assertRefused(
                RedemptionRefusedException.Reason.EXPIRED_TOKEN_KEY,
                () -> redeemer.redeem(t, accepted, nextDayAfterGrace));
    }

    @Test
    void redeemerAcceptsPreviousEpochWithinGrace() throws Exception {
        Token t = issueOne();
        PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore());
        Instant withinGrace = DAILY.end(DAILY.epochAt(NOW)).plus(Duration.ofMinutes(30));
        assertEquals(
                DAILY.epochAt(NOW), redeemer.redeem(t, accepted, withinGrace).epoch());
    }

    @Test
    void redeemerRefusesMalformedTokenBytes() {
        PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, new InMemorySpentTokenStore());
        assertRefused(RedemptionRefusedException.Reason.MALFORMED, () -> redeemer.redeem(new byte[10], accepted, NOW));
        byte[] otherType = new byte[Token.LENGTH];
        otherType[1] = 2;
        assertRefused(RedemptionRefusedException.Reason.MALFORMED, () -> redeemer.redeem(otherType, accepted, NOW));
    }

    @Test
    void redeemerRetiresOldEpochsInTheStore(@TempDir Path dir) throws Exception {
        try (FileSpentTokenStore store = FileSpentTokenStore.open(dir)) {
            PrivateTokenRedeemer redeemer = new PrivateTokenRedeemer(keys, store);
            redeemer.redeem(issueOne(), accepted, NOW);
            Epoch e = DAILY.epochAt(NOW);
            assertEquals(List.of(e), store.epochs());
            // Two days on, a token of that day's key arrives: it redeems into its own epoch, and the old one is
            // dropped.
            Instant later = NOW.plus(Duration.ofDays(2));
            PrivateTokenClient client =
                    new PrivateTokenClient(keys.issuanceKey(later).key().publicKey(), RANDOM);
            PendingToken p = client.createTokenRequest(challenge);
            Token t = client.finalizeToken(p, issuer.issue(p.request(), later));
            redeemer.redeem(t, accepted, later);
            assertEquals(List.of(DAILY.epochAt(later)), store.epochs());
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static void assertRefused(RedemptionRefusedException.Reason reason, Action action) {
        RedemptionRefusedException e = assertThrows(RedemptionRefusedException.class, action::run);
        assertEquals(reason, e.reason(), e.getMessage());
    }
}
