package dev.cloister.protocol.membership;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway's credential on the enclave's internal session endpoint ({@code POST} and {@code DELETE}
 * {@code /sessions/{id}}): only the operator's gateways, which hold a secret {@code K} shared with the enclaves (a file
 * on both sides, at least {@value #MIN_SECRET_BYTES} bytes), may open or drive sessions there. Each request carries
 * <pre>Authorization: Cloister-Gateway-HMAC-SHA256 T.MAC</pre>
 * where {@code T} is the gateway's clock in Unix seconds and {@code MAC} is base64url (no padding) of
 * {@code HMAC-SHA256(K, "cloister/enclave-session/v1" LF METHOD LF PATH LF T)}. The secret itself never travels, so a
 * listener on the private network learns one header good for one session id for {@link #MAX_SKEW} at most; the TLS
 * inside the session (RA-TLS, which this does not replace) keeps the bytes themselves from anyone but the client. The
 * enclave checks the header before it reads a request body, in constant time.
 */
public final class GatewayAuthorization {

    public static final String SCHEME = "Cloister-Gateway-HMAC-SHA256";
    /** The least length of the shared secret. */
    public static final int MIN_SECRET_BYTES = 32;
    /** How far {@code T} may be from the enclave's clock. */
    public static final Duration MAX_SKEW = Duration.ofSeconds(60);

    private static final String LABEL = "cloister/enclave-session/v1";
    private static final Pattern VALUE =
            Pattern.compile(Pattern.quote(SCHEME) + " ([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");

    /** Why the enclave refused a request: the message says which rule it broke (never echoing the header). */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final SecretKey key;
    private final Clock clock;

    private GatewayAuthorization(SecretKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /**
     * @param secret the shared secret's bytes (copied; the caller zeroes its array)
     * @throws IllegalArgumentException when the secret is shorter than {@value #MIN_SECRET_BYTES} bytes
     */
    public static GatewayAuthorization of(byte[] secret, Clock clock) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the gateway secret holds fewer than " + MIN_SECRET_BYTES + " bytes");
        }
        return new GatewayAuthorization(
                new SecretKeySpec(secret, "HmacSHA256"), Objects.requireNonNull(clock, "clock"));
    }

    /** The {@code Authorization} value the gateway sends with {@code method} on {@code rawPath}, now. */
    public String header(String method, String rawPath) {
        long t = clock.instant().getEpochSecond();
        return SCHEME + " " + t + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(method, rawPath, t));
    }

    /**
     * Checks the {@code Authorization} value of a request to {@code method} {@code rawPath}: the MAC (constant time)
     * and then the time.
     */
    public void check(String method, String rawPath, String header) throws Refused {
        if (header == null) throw new Refused("no gateway authorization");
        if (header.length() > SCHEME.length() + 1 + 12 + 1 + 43) throw new Refused("malformed gateway authorization");
        Matcher m = VALUE.matcher(header);
        if (!m.matches()) throw new Refused("malformed gateway authorization");
        long t = Long.parseLong(m.group(1));
        byte[] presented = Base64.getUrlDecoder().decode(m.group(2));
        if (!MessageDigest.isEqual(mac(method, rawPath, t), presented)) {
            throw new Refused("gateway authorization does not verify");
        }
        Instant now = clock.instant();
        Instant at = Instant.ofEpochSecond(t);
        if (at.isBefore(now.minus(MAX_SKEW)) || at.isAfter(now.plus(MAX_SKEW))) {
            throw new Refused("gateway authorization too old or too new");
        }
    }

    private byte[] mac(String method, String rawPath, long t) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal((LABEL + "\n" + method + "\n" + rawPath + "\n" + t).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "GatewayAuthorization[HMAC-SHA256 key (hidden)]";
    }
}
