package dev.cloister.tokens.auth;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One challenge (or credentials) of RFC 9110 §11: an auth-scheme with either a token68 or auth-params. Parameter
 * names are lowercased (they are case-insensitive); values are unquoted.
 */
public record AuthChallenge(String scheme, Optional<String> token68, Map<String, String> params) {
    public AuthChallenge {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(token68, "token68");
        params = Map.copyOf(params);
    }

    public boolean isScheme(String name) {
        return scheme.equalsIgnoreCase(name);
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(java.util.Locale.ROOT)));
    }
}
