package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Key rings for tests, from a seeded (deterministic, test-only) random source. */
final class OhttpTestKeys {
    private OhttpTestKeys() {}

    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final List<SymmetricAlgorithm> ALL_ALGORITHMS = List.of(
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM),
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_256_GCM),
            new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.CHACHA20_POLY1305));

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static GatewayKey key(int id, KemId kem, SecureRandom random) {
        return GatewayKey.generate(
                id, kem, ALL_ALGORITHMS, NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), random);
    }

    static KeyRing ring(SecureRandom random) {
        return new KeyRing(
                List.of(key(1, KemId.DHKEM_X25519_HKDF_SHA256, random), key(2, KemId.DHKEM_P256_HKDF_SHA256, random)),
                Duration.ofMinutes(10));
    }
}
