package dev.cloister.tokens.privacypass;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.base.Bytes;
import dev.cloister.tokens.keys.IssuerKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
    public record TokenKey(int tokenType, Bytes tokenKey, Optional<Instant> notBefore) {
        public TokenKey {
            if (tokenType < 0 || tokenType > 0xffff) {
                throw new IllegalArgumentException("token-type out of range: " + tokenType);
            }
            Objects.requireNonNull(tokenKey, "tokenKey");
            Objects.requireNonNull(notBefore, "notBefore");
        }

        /** The directory entry of a published issuer key. */
        public static TokenKey of(IssuerKey key) {
            return new TokenKey(
                    TokenType.VOPRF_P384_SHA384.code(),
                    Bytes.of(key.publicKey().encoded()),
                    Optional.of(key.notBefore()));
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
        ObjectNode root = JSON.createObjectNode();
        root.put("issuer-request-uri", issuerRequestUri);
        ArrayNode keys = root.putArray("token-keys");
        for (TokenKey k : tokenKeys) {
            ObjectNode key = keys.addObject();
            key.put("token-type", k.tokenType());
            key.put(
                    "token-key",
                    Base64.getUrlEncoder().encodeToString(k.tokenKey().toByteArray()));
            k.notBefore().ifPresent(t -> key.put("not-before", t.getEpochSecond()));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a directory of strings and numbers always serializes", e);
        }
    }

    /**
     * Jackson, bounded: at most {@link #MAX_LENGTH} characters (checked before parsing), nesting depth 8, and duplicate
     * member names refused (a directory with two different "token-keys" must not be read either way).
     */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(8)
                            .maxStringLength(MAX_LENGTH)
                            .maxNumberLength(32)
                            .build())
                    .build())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public static IssuerDirectory parse(String json) throws TokenFormatException {
        if (json.length() > MAX_LENGTH) {
            throw new TokenFormatException("issuer directory longer than " + MAX_LENGTH + " characters");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TokenFormatException("issuer directory is not valid JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenFormatException("issuer directory must be a JSON object");
        }
        JsonNode uri = root.get("issuer-request-uri");
        if (uri == null || !uri.isTextual()) {
            throw new TokenFormatException("issuer directory: \"issuer-request-uri\" missing or not a string");
        }
        try {
            new URI(uri.textValue());
        } catch (URISyntaxException e) {
            throw new TokenFormatException("issuer directory: \"issuer-request-uri\" is not a URI", e);
        }
        JsonNode keys = root.get("token-keys");
        if (keys == null || !keys.isArray()) {
            throw new TokenFormatException("issuer directory: \"token-keys\" missing or not an array");
        }
        if (keys.size() > MAX_KEYS) {
            throw new TokenFormatException("issuer directory: more than " + MAX_KEYS + " token keys");
        }
        List<TokenKey> out = new ArrayList<>();
        int i = 0;
        for (JsonNode v : keys) {
            out.add(parseKey(v, i++));
        }
        return new IssuerDirectory(uri.textValue(), out);
    }

    private static TokenKey parseKey(JsonNode k, int index) throws TokenFormatException {
        String where = "issuer directory: token-keys[" + index + "]";
        if (!k.isObject()) {
            throw new TokenFormatException(where + " is not an object");
        }
        JsonNode type = k.get("token-type");
        if (type == null || !type.isIntegralNumber() || !type.canConvertToInt()) {
            throw new TokenFormatException(where + ": \"token-type\" missing or not an integer");
        }
        int tokenType = type.intValue();
        if (tokenType < 0 || tokenType > 0xffff) {
            throw new TokenFormatException(where + ": \"token-type\" out of range");
        }
        JsonNode key = k.get("token-key");
        if (key == null || !key.isTextual()) {
            throw new TokenFormatException(where + ": \"token-key\" missing or not a string");
        }
        byte[] keyBytes;
        try {
            keyBytes = Base64.getUrlDecoder().decode(key.textValue());
        } catch (IllegalArgumentException e) {
            throw new TokenFormatException(where + ": \"token-key\" is not base64url", e);
        }
        Optional<Instant> notBefore = Optional.empty();
        JsonNode nb = k.get("not-before");
        if (nb != null) {
            if (!nb.isIntegralNumber() || !nb.canConvertToLong()) {
                throw new TokenFormatException(where + ": \"not-before\" is not an integer");
            }
            long seconds = nb.longValue();
            if (seconds < 0) {
                throw new TokenFormatException(where + ": \"not-before\" is negative");
            }
            try {
                notBefore = Optional.of(Instant.ofEpochSecond(seconds));
            } catch (java.time.DateTimeException e) {
                throw new TokenFormatException(where + ": \"not-before\" is not a Unix time in seconds", e);
            }
        }
        return new TokenKey(tokenType, Bytes.of(keyBytes), notBefore);
    }
}
