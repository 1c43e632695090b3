package dev.cloister.attest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * RFC 9334 §3.3 Attestation Result: the evidence was accepted at {@code verifiedAt} under a policy, and these are
 * the claims it established. A rejected evidence never yields one of these (an {@link AttestationException} is thrown).
 *
 * @param verifiedAt the time the verifier was told it is (certificate validity was checked at that instant)
 * @param claims the verified claims
 */
public record AttestationResult(Instant verifiedAt, Claims claims) {

    public AttestationResult {
        Objects.requireNonNull(verifiedAt, "verifiedAt");
        Objects.requireNonNull(claims, "claims");
    }

    /** The verdict and the claims, as one JSON-friendly map (see {@link Claims#toJsonMap()}). */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", "accepted");
        m.put(
                "platform",
                claims.platform().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("verified_at", verifiedAt.toString());
        m.put("claims", claims.toJsonMap());
        return m;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@link #toJsonMap()} as compact JSON text (RFC 8259), written by Jackson. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(toJsonMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("claims are maps, lists, strings, numbers and booleans", e);
        }
    }
}
