package dev.cloister.wire.ohttp;

import dev.cloister.base.Bytes;
import dev.cloister.wire.hpke.HpkeKem;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.KemId;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A gateway's key: the published {@link KeyConfig}, its private key, and the window in which it is advertised
 * ({@code notBefore} inclusive, {@code notAfter} exclusive).
 */
public record GatewayKey(KeyConfig config, HpkePrivateKey privateKey, Instant notBefore, Instant notAfter) {

    public GatewayKey {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must be after notBefore");
        }
        if (privateKey.kem() != config.kem() || !config.publicKey().contentEquals(privateKey.publicKey())) {
            throw new IllegalArgumentException("private key does not match the key configuration's public key");
        }
    }

    /** A fresh key pair for {@code kem}, published with {@code algorithms}. */
    public static GatewayKey generate(
            int keyId,
            KemId kem,
            List<SymmetricAlgorithm> algorithms,
            Instant notBefore,
            Instant notAfter,
            SecureRandom random) {
        HpkePrivateKey key = HpkeKem.of(kem).generateKeyPair(random);
        return new GatewayKey(
                new KeyConfig(keyId, kem, Bytes.of(key.publicKey()), algorithms), key, notBefore, notAfter);
    }

    /** Whether the key is advertised at {@code now}. */
    public boolean advertisedAt(Instant now) {
        return !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    @Override
    public String toString() {
        return "GatewayKey[" + config + ", " + notBefore + " .. " + notAfter + ", private key redacted]";
    }
}
