package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.json.JsonException;
import dev.cloister.tokens.json.JsonParser;
import dev.cloister.tokens.json.JsonValue;
import dev.cloister.tokens.keys.IssuerKey;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The issuer directory of RFC 9578 §4, served at {@code /.well-known/private-token-issuer-directory} with media type
 * application/private-token-issuer-directory:
 * <pre>
 * {
 *   "issuer-request-uri": "https://issuer.example.net/request",
 *   "token-keys": [ { "token-type": 1, "token-key": "&lt;base64url&gt;", "not-before": 1686913811 } ]
 * }
 * </pre>
 * Unknown members are ignored on parse (§4: for extensibility). token-key is base64url with padding on output; input
 * is accepted with or without padding.
 */
public record IssuerDirectory(String issuerRequestUri, List<TokenKey> tokenKeys) {
    public static final String WELL_KNOWN_PATH = "/.well-known/private-token-issuer-directory";
    public static final String MEDIA_TYPE = "application/private-token-issuer-directory";
    /** The largest directory document parsed. */
    public static final int MAX_LENGTH = 64 * 1024;
    private static final int MAX_KEYS = 64;

    /** One "token-keys" entry. */
    public record TokenKey(int tokenType, byte[] tokenKey, Optional<Instant> notBefore) {
        public TokenKey {
            if (tokenType < 0 || tokenType > 0xffff) {
                throw new IllegalArgumentException("token-type out of range: " + tokenType);
            }
            tokenKey = tokenKey.clone();
            Objects.requireNonNull(notBefore, "notBefore");
        }

        @Override
        public byte[] tokenKey() {
            return tokenKey.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TokenKey k && k.tokenType == tokenType && Arrays.equals(k.tokenKey, tokenKey) && k.notBefore.equals(notBefore);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokenKey);
        }

        /** The directory entry of a published issuer key. */
        public static TokenKey of(IssuerKey key) {
            return new TokenKey(TokenType.VOPRF_P384_SHA384.code(), key.publicKey().encoded(), Optional.of(key.notBefore()));
        }
    }

    public IssuerDirectory {
        Objects.requireNonNull(issuerRequestUri, "issuerRequestUri");
        tokenKeys = List.copyOf(tokenKeys);
    }

    /** A directory listing {@code keys} (e.g. {@code EpochKeySchedule.directoryKeys(now)}). */
    public static IssuerDirectory of(String issuerRequestUri, List<IssuerKey> keys) {
        List<TokenKey> entries = new ArrayList<>();
        for (IssuerKey k : keys) {
            entries.add(TokenKey.of(k));
        }
        return new IssuerDirectory(issuerRequestUri, entries);
    }

    public String toJson() {
        List<JsonValue> keys = new ArrayList<>();
        for (TokenKey k : tokenKeys) {
            Map<String, JsonValue> m = new LinkedHashMap<>();
            m.put("token-type", new JsonValue.JsonNumber(BigDecimal.valueOf(k.tokenType())));
            m.put("token-key", new JsonValue.JsonString(Base64.getUrlEncoder().encodeToString(k.tokenKey())));
            k.notBefore().ifPresent(t -> m.put("not-before", new JsonValue.JsonNumber(BigDecimal.valueOf(t.getEpochSecond()))));
            keys.add(new JsonValue.JsonObject(m));
        }
        Map<String, JsonValue> root = new LinkedHashMap<>();
        root.put("issuer-request-uri", new JsonValue.JsonString(issuerRequestUri));
        root.put("token-keys", new JsonValue.JsonArray(keys));
        return new JsonValue.JsonObject(root).toJson();
    }

    public static IssuerDirectory parse(String json) throws TokenFormatException {
        JsonValue root;
        try {
            root = JsonParser.parse(json, MAX_LENGTH, 8);
        } catch (JsonException e) {
            throw new TokenFormatException("issuer directory is not valid JSON", e);
        }
        if (!(root instanceof JsonValue.JsonObject obj)) {
            throw new TokenFormatException("issuer directory must be a JSON object");
        }
        if (!(obj.get("issuer-request-uri").orElse(null) instanceof JsonValue.JsonString uri)) {
            throw new TokenFormatException("issuer directory: \"issuer-request-uri\" missing or not a string");
        }
        try {
            new URI(uri.value());
        } catch (URISyntaxException e) {
            throw new TokenFormatException("issuer directory: \"issuer-request-uri\" is not a URI", e);
        }
        if (!(obj.get("token-keys").orElse(null) instanceof JsonValue.JsonArray keys)) {
            throw new TokenFormatException("issuer directory: \"token-keys\" missing or not an array");
        }
        if (keys.elements().size() > MAX_KEYS) {
            throw new TokenFormatException("issuer directory: more than " + MAX_KEYS + " token keys");
        }
        List<TokenKey> out = new ArrayList<>();
        int i = 0;
        for (JsonValue v : keys.elements()) {
            out.add(parseKey(v, i++));
        }
        return new IssuerDirectory(uri.value(), out);
    }

    private static TokenKey parseKey(JsonValue v, int index) throws TokenFormatException {
        String where = "issuer directory: token-keys[" + index + "]";
        if (!(v instanceof JsonValue.JsonObject k)) {
            throw new TokenFormatException(where + " is not an object");
        }
        if (!(k.get("token-type").orElse(null) instanceof JsonValue.JsonNumber type)) {
            throw new TokenFormatException(where + ": \"token-type\" missing or not a number");
        }
        int tokenType;
        try {
            tokenType = type.value().intValueExact();
        } catch (ArithmeticException e) {
            throw new TokenFormatException(where + ": \"token-type\" is not an integer", e);
        }
        if (tokenType < 0 || tokenType > 0xffff) {
            throw new TokenFormatException(where + ": \"token-type\" out of range");
        }
        if (!(k.get("token-key").orElse(null) instanceof JsonValue.JsonString key)) {
            throw new TokenFormatException(where + ": \"token-key\" missing or not a string");
        }
        byte[] keyBytes;
        try {
            keyBytes = Base64.getUrlDecoder().decode(key.value());
        } catch (IllegalArgumentException e) {
            throw new TokenFormatException(where + ": \"token-key\" is not base64url", e);
        }
        Optional<Instant> notBefore = Optional.empty();
        Optional<JsonValue> nb = k.get("not-before");
        if (nb.isPresent()) {
            if (!(nb.get() instanceof JsonValue.JsonNumber n)) {
                throw new TokenFormatException(where + ": \"not-before\" is not a number");
            }
            try {
                long seconds = n.value().longValueExact();
                if (seconds < 0) {
                    throw new TokenFormatException(where + ": \"not-before\" is negative");
                }
                notBefore = Optional.of(Instant.ofEpochSecond(seconds));
            } catch (ArithmeticException | java.time.DateTimeException e) {
                throw new TokenFormatException(where + ": \"not-before\" is not a Unix time in seconds", e);
            }
        }
        return new TokenKey(tokenType, keyBytes, notBefore);
    }
}
