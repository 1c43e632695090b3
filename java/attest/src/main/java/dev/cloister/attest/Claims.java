package dev.cloister.attest;

import java.util.Map;

/**
 * RFC 9334 attestation-result claims: what a verifier established about the attester, after every signature and
 * policy check passed. Implementations are immutable records.
 */
public interface Claims {

    Platform platform();

    /**
     * The claims as a JSON-friendly tree: an insertion-ordered map whose values are {@code String}, {@code Long},
     * {@code Integer}, {@code Boolean}, nested maps of that kind, or lists of them. Byte strings are lowercase hex.
     */
    Map<String, Object> toJsonMap();
}
