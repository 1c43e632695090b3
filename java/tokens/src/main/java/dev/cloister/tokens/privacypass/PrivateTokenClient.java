package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.Blind;
import dev.cloister.tokens.oprf.BlindOutput;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.EvaluatedElement;
import dev.cloister.tokens.oprf.InvalidInputException;
import dev.cloister.tokens.oprf.RandomScalars;
import dev.cloister.tokens.oprf.VerifyException;
import dev.cloister.tokens.oprf.VoprfClient;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The client side of issuance protocol 1 (RFC 9578 §5.1, §5.3), single and batched: build requests for a challenge
 * and a published issuer key, then turn the issuer's response into Tokens after verifying its DLEQ proof against that
 * key. The key must be the one the client got from the ledger-backed directory, never one the issuer hands out alone.
 */
public final class PrivateTokenClient {
    private final IssuerPublicKey issuerKey;
    private final VoprfClient voprf;
    private final SecureRandom random;
    private final RandomScalars blinds;

    public PrivateTokenClient(IssuerPublicKey issuerKey, SecureRandom random) {
        this(issuerKey, random, RandomScalars.secure(random));
    }

    /** With explicit blind randomness: for the RFC test vectors. */
    PrivateTokenClient(IssuerPublicKey issuerKey, SecureRandom random, RandomScalars blinds) {
        this.issuerKey = Objects.requireNonNull(issuerKey, "issuerKey");
        this.voprf = new VoprfClient(IssuerPublicKey.SUITE, issuerKey.point());
        this.random = Objects.requireNonNull(random, "random");
        this.blinds = Objects.requireNonNull(blinds, "blinds");
    }

    /** One TokenRequest for {@code challenge} (RFC 9578 §5.1). */
    public PendingToken createTokenRequest(TokenChallenge challenge) {
        byte[] nonce = new byte[Token.NONCE_LENGTH];
        random.nextBytes(nonce);
        return createTokenRequest(challenge, nonce);
    }

    PendingToken createTokenRequest(TokenChallenge challenge, byte[] nonce) {
        if (challenge.tokenType() != TokenType.VOPRF_P384_SHA384.code()) {
            throw new IllegalArgumentException(String.format(
                    "challenge is for token type 0x%04x, this client issues 0x0001", challenge.tokenType()));
        }
        byte[] digest = challenge.digest();
        byte[] input = Token.authenticatorInput(nonce, digest, issuerKey.keyId());
        try {
            BlindOutput out = voprf.blind(input, blinds);
            return new PendingToken(nonce, digest, issuerKey.keyId(), out.blind(), out.blindedElement());
        } catch (InvalidInputException e) {
            // Probability 2^-384: the token input hashed to the identity. A fresh nonce fixes it.
            throw new IllegalStateException("token input hashed to the identity element", e);
        }
    }

    /** An AmortizedBatchTokenRequest for {@code count} tokens, each with a fresh nonce. */
    public PendingTokenBatch createBatchTokenRequest(TokenChallenge challenge, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive, got " + count);
        }
        List<PendingToken> tokens = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tokens.add(createTokenRequest(challenge));
        }
        return new PendingTokenBatch(tokens);
    }

    /** Finalizes one token (RFC 9578 §5.3): verifies the proof, unblinds, and builds the Token. */
    public Token finalizeToken(PendingToken pending, TokenResponse response) throws ResponseRejectedException {
        return finalizeAll(List.of(pending), List.of(response.evaluatedElement()), response.proof())
                .getFirst();
    }

    /** Finalizes a batch: one proof covers every element; any failure rejects the whole response. */
    public List<Token> finalizeBatch(PendingTokenBatch pending, AmortizedBatchTokenResponse response)
            throws ResponseRejectedException {
        if (response.evaluatedElements().size() != pending.size()) {
            throw new ResponseRejectedException("batched response holds "
                    + response.evaluatedElements().size() + " elements for a request of " + pending.size());
        }
        return finalizeAll(pending.tokens(), response.evaluatedElements(), response.proof());
    }

    private List<Token> finalizeAll(
            List<PendingToken> pending, List<EvaluatedElement> evaluated, dev.cloister.tokens.oprf.Proof proof)
            throws ResponseRejectedException {
        List<byte[]> inputs = new ArrayList<>(pending.size());
        List<Blind> blindList = new ArrayList<>(pending.size());
        List<BlindedElement> blinded = new ArrayList<>(pending.size());
        for (PendingToken p : pending) {
            if (!p.tokenKeyId().equals(issuerKey.keyId())) {
                throw new IllegalArgumentException("pending token was made for another issuer key");
            }
            inputs.add(p.tokenInput());
            blindList.add(p.blind());
            blinded.add(p.blindedElement());
        }
        List<byte[]> outputs;
        try {
            outputs = voprf.finalize(inputs, blindList, evaluated, blinded, proof);
        } catch (VerifyException e) {
            throw new ResponseRejectedException(
                    "issuer's DLEQ proof does not verify against the published key " + issuerKey.keyId(), e);
        }
        List<Token> tokens = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            PendingToken p = pending.get(i);
            tokens.add(new Token(p.nonce(), p.challengeDigest(), p.tokenKeyId(), outputs.get(i)));
        }
        return tokens;
    }

    public IssuerPublicKey issuerKey() {
        return issuerKey;
    }
}
