package dev.cloister.operator.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shipped {@link AccountAuthenticator}: a file with one bearer token per line (blank lines and lines starting with
 * {@code #} ignored), presented as {@code Authorization: Bearer <token>}. Only SHA-256 digests of the tokens are kept
 * in memory; lookups compare digests, so timing reveals nothing about the tokens.
 */
public final class AccountFile implements AccountAuthenticator {

    private static final String BEARER = "Bearer ";
    private static final int MAX_TOKEN_LENGTH = 512;
    private static final int MAX_ACCOUNTS = 1_000_000;

    private final Map<String, Account> accounts;

    private AccountFile(Map<String, Account> accounts) {
        this.accounts = Map.copyOf(accounts);
    }

    public static AccountFile load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, Account> accounts = new HashMap<>();
        for (String line : lines) {
            String token = line.strip();
            if (token.isEmpty() || token.startsWith("#")) continue;
            if (token.length() > MAX_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IOException("account file " + file + ": a token is longer than " + MAX_TOKEN_LENGTH
                        + " characters or not printable ASCII");
            }
            String digest = digest(token);
            accounts.put(digest, new Account(digest.substring(0, 16)));
            if (accounts.size() > MAX_ACCOUNTS) {
                throw new IOException("account file " + file + ": more than " + MAX_ACCOUNTS + " accounts");
            }
        }
        return new AccountFile(accounts);
    }

    public int size() {
        return accounts.size();
    }

    @Override
    public Optional<Account> authenticate(String authorization) {
        if (authorization == null
                || authorization.length() > BEARER.length() + MAX_TOKEN_LENGTH
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        return Optional.ofNullable(
                accounts.get(digest(authorization.substring(BEARER.length()).strip())));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
