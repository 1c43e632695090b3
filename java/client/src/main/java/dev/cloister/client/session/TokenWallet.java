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
    private final java.util.Optional<java.nio.file.Path> store;

    public TokenWallet(WebClient web, URI issuer, String account, TokenChallenge challenge, int batch, Duration timeout,
            SecureRandom random) {
        this(web, issuer, account, challenge, batch, timeout, random, java.util.Optional.empty());
    }

    /**
     * @param store a file (owner-only) that keeps unspent tokens between runs (the CLI's), or empty for memory only;
     *              a token is removed from it before it is spent, so a crash can lose a token but never spend one twice
     */
    public TokenWallet(WebClient web, URI issuer, String account, TokenChallenge challenge, int batch, Duration timeout,
            SecureRandom random, java.util.Optional<java.nio.file.Path> store) {
        this.web = web;
        this.issuer = issuer;
        this.account = account;
        this.challenge = challenge;
        this.batch = batch;
        this.timeout = timeout;
        this.random = random;
        this.store = store;
        store.ifPresent(this::load);
    }

    private void load(java.nio.file.Path file) {
        try {
            if (!java.nio.file.Files.exists(file)) return;
            for (String line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.US_ASCII)) {
                if (line.isBlank()) continue;
                try {
                    tokens.add(Token.decode(java.util.HexFormat.of().parseHex(line.strip())));
                } catch (Exception e) {
                    // an unreadable line is dropped: the file is rewritten without it
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("while reading the token store", e);
        }
    }

    /** Rewrites the store with the tokens held now (atomically, owner-only). Call with {@code tokens} locked. */
    private void save() {
        if (store.isEmpty()) return;
        java.nio.file.Path file = store.get();
        try {
            java.nio.file.Path dir = file.toAbsolutePath().getParent();
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile(dir, ".tokens", ".tmp",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            StringBuilder out = new StringBuilder();
            for (Token t : tokens) out.append(java.util.HexFormat.of().formatHex(t.encode())).append('\n');
            java.nio.file.Files.writeString(tmp, out, java.nio.charset.StandardCharsets.US_ASCII);
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("while writing the token store", e);
        }
    }

    /** A token to spend, fetching a batch first when the wallet is empty. */
    public Future<Token> take() {
        synchronized (tokens) {
            Token token = tokens.pollFirst();
            if (token != null) {
                save();
                return Future.succeededFuture(token);
            }
        }
        return refill().compose(v -> {
            synchronized (tokens) {
                Token token = tokens.pollFirst();
                save();
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
                                            save();
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
