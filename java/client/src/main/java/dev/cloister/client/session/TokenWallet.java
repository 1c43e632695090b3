package dev.cloister.client.session;

import dev.cloister.tokens.privacypass.AmortizedBatchTokenRequest;
import dev.cloister.tokens.privacypass.AmortizedBatchTokenResponse;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.privacypass.PendingTokenBatch;
import dev.cloister.tokens.privacypass.PrivateTokenClient;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The client's Privacy Pass tokens for one origin: fetched in batches from the issuer with the account credential
 * (RFC 9578, batched issuance), kept in memory, each spent once. The issuer learns that the account obtained tokens,
 * never where they are spent; the gateway learns that a token is valid, never whose it is.
 */
public final class TokenWallet {

    private final WebClient web;
    private final URI issuer;
    private final String account;
    private final TokenChallenge challenge;
    private final int batch;
    private final Duration timeout;
    private final SecureRandom random;
    private final Deque<Token> tokens = new ArrayDeque<>();

    public TokenWallet(WebClient web, URI issuer, String account, TokenChallenge challenge, int batch, Duration timeout,
            SecureRandom random) {
        this.web = web;
        this.issuer = issuer;
        this.account = account;
        this.challenge = challenge;
        this.batch = batch;
        this.timeout = timeout;
        this.random = random;
    }

    /** A token to spend, fetching a batch first when the wallet is empty. */
    public Future<Token> take() {
        synchronized (tokens) {
            Token token = tokens.pollFirst();
            if (token != null) return Future.succeededFuture(token);
        }
        return refill().compose(v -> {
            synchronized (tokens) {
                Token token = tokens.pollFirst();
                return token != null ? Future.succeededFuture(token)
                        : Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN, "the issuer gave no token", null));
            }
        });
    }

    /** Fetches a batch now (pre-fetch before the user asks). */
    public Future<Void> refill() {
        return web.getAbs(issuer.resolve(IssuerDirectory.WELL_KNOWN_PATH).toString()).timeout(timeout.toMillis()).send()
                .compose(answer -> {
                    if (answer.statusCode() != 200) {
                        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN,
                                "the issuer directory answered " + answer.statusCode(), null));
                    }
                    try {
                        IssuerDirectory directory = IssuerDirectory.parse(answer.bodyAsString());
                        IssuerPublicKey key = IssuerPublicKey.decode(directory.tokenKeys().getFirst().tokenKey());
                        PrivateTokenClient client = new PrivateTokenClient(key, random);
                        PendingTokenBatch pending = client.createBatchTokenRequest(challenge, batch);
                        return web.postAbs(issuer.resolve("/token-request").toString()).timeout(timeout.toMillis())
                                .putHeader("authorization", "Bearer " + account)
                                .putHeader("content-type", AmortizedBatchTokenRequest.MEDIA_TYPE)
                                .sendBuffer(Buffer.buffer(pending.request().encode()))
                                .compose(response -> {
                                    if (response.statusCode() != 200) {
                                        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN,
                                                "the issuer refused tokens: HTTP " + response.statusCode(), null));
                                    }
                                    try {
                                        List<Token> fresh = client.finalizeBatch(pending,
                                                AmortizedBatchTokenResponse.decode(response.body().getBytes(), batch));
                                        synchronized (tokens) {
                                            tokens.addAll(fresh);
                                        }
                                        return Future.<Void>succeededFuture();
                                    } catch (Exception e) {
                                        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN,
                                                "the issuer's response does not verify: " + e.getMessage(), e));
                                    }
                                });
                    } catch (Exception e) {
                        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.TOKEN,
                                "the issuer directory is unusable: " + e.getMessage(), e));
                    }
                });
    }

    public int available() {
        synchronized (tokens) {
            return tokens.size();
        }
    }
}
