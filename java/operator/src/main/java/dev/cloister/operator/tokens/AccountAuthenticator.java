package dev.cloister.operator.tokens;

import java.util.Optional;

/**
 * Who is asking for tokens. The issuer is the one party allowed to know the account; it must never learn which later
 * request spends the tokens it signs.
 */
@FunctionalInterface
public interface AccountAuthenticator {

    /** The account an {@code Authorization} header value proves, or empty if it proves none. */
    Optional<Account> authenticate(String authorization);

    /** An opaque account identifier (a hash prefix of the credential: never the credential itself). */
    record Account(String id) {}
}
