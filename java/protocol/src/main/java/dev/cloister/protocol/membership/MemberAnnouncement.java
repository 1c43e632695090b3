package dev.cloister.protocol.membership;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * An enclave's registration with the operator, and each heartbeat after it: {@code POST} {@value #PATH} on the
 * gateway's internal membership listener, a JSON body
 * <pre>{"id": "e1", "sessions": "http://10.0.0.5:9100/sessions/", "at": "2026-12-06T09:00:00Z"}</pre>
 * and {@code Authorization: Cloister-HMAC-SHA256 <base64url HMAC-SHA256(K, body)>}, {@code K} a secret the enclaves
 * and the gateway replicas share (a file; the secret itself never travels). {@code at} bounds a replay to
 * {@link #MAX_SKEW} either side of the gateway's clock.
 *
 * <p>The body carries no evidence on purpose: evidence a registrant sends could be replayed from another machine.
 * Every gateway replica attests the enclave itself, with a fresh RA-TLS handshake to {@code sessions}, before it routes
 * anything to it; the announcement only says where to look.
 */
public record MemberAnnouncement(String id, URI sessions, Instant at) {

    public static final String PATH = "/v1/enclaves";
    public static final String SCHEME = "Cloister-HMAC-SHA256";
    public static final int MAX_BYTES = 4096;
    /** How far {@code at} may be from the receiver's clock. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(2);
    /** The least length of the shared secret. */
    public static final int MIN_SECRET_BYTES = 32;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<String> FIELDS = Set.of("id", "sessions", "at");

    /** The body is not an announcement; the message says which rule it broke (never echoing the body). */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String message) {
            super(message);
        }
    }

    public MemberAnnouncement {
        Objects.requireNonNull(at, "at");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("an enclave id is 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        checkSessions(sessions);
    }

    /**
     * Checks an enclave's session endpoint: an absolute {@code http} or {@code https} URL with a host, a path ending in
     * {@code /}, no query, fragment or user info, at most 2048 characters.
     */
    public static URI checkSessions(URI sessions) {
        Objects.requireNonNull(sessions, "sessions");
        String scheme = sessions.getScheme();
        if (!("http".equals(scheme) || "https".equals(scheme))
                || sessions.getHost() == null
                || sessions.getRawUserInfo() != null
                || sessions.getRawQuery() != null
                || sessions.getRawFragment() != null
                || sessions.getRawPath() == null
                || !sessions.getRawPath().endsWith("/")
                || sessions.toString().length() > 2048) {
            throw new IllegalArgumentException(
                    "an enclave's session endpoint is an absolute http(s) URL whose path ends in /, without query");
        }
        return sessions;
    }

    public byte[] encode() {
        return new JsonObject()
                .put("id", id)
                .put("sessions", sessions.toString())
                .put("at", at.toString())
                .encode()
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a body; any deviation (size, JSON, unknown or missing fields, a bad id or URL) is {@link Malformed}. */
    public static MemberAnnouncement parse(byte[] body) throws Malformed {
        if (body.length > MAX_BYTES) throw new Malformed("an announcement is at most " + MAX_BYTES + " bytes");
        JsonObject json;
        try {
            json = new JsonObject(new String(body, StandardCharsets.UTF_8));
        } catch (DecodeException | ClassCastException e) {
            throw new Malformed("an announcement is a JSON object");
        }
        if (!FIELDS.equals(json.fieldNames())) throw new Malformed("an announcement has exactly id, sessions and at");
        if (!(json.getValue("id") instanceof String id)
                || !(json.getValue("sessions") instanceof String sessions)
                || !(json.getValue("at") instanceof String at)) {
            throw new Malformed("id, sessions and at are strings");
        }
        try {
            return new MemberAnnouncement(id, new URI(sessions), Instant.parse(at));
        } catch (URISyntaxException | DateTimeException | IllegalArgumentException e) {
            throw new Malformed("bad announcement: " + reason(e));
        }
    }

    private static String reason(Exception e) {
        return e instanceof IllegalArgumentException ? e.getMessage() : "sessions is a URL and at an RFC 3339 instant";
    }

    /** Whether {@code at} is within {@link #MAX_SKEW} of {@code now}. */
    public boolean isFresh(Instant now) {
        return !at.isBefore(now.minus(MAX_SKEW)) && !at.isAfter(now.plus(MAX_SKEW));
    }

    /** The {@code Authorization} value for {@code body} under the shared secret. */
    public static String authorization(SecretKey secret, byte[] body) {
        return SCHEME + " " + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(secret, body));
    }

    /** Whether {@code header} is the authorization of {@code body} under the shared secret (constant time). */
    public static boolean isAuthentic(SecretKey secret, byte[] body, String header) {
        if (header == null || !header.startsWith(SCHEME + " ") || header.length() > SCHEME.length() + 1 + 64) {
            return false;
        }
        byte[] presented;
        try {
            presented = Base64.getUrlDecoder().decode(header.substring(SCHEME.length() + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(secret, body), presented);
    }

    private static byte[] mac(SecretKey secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
