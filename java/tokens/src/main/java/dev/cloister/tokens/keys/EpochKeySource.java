package dev.cloister.tokens.keys;

import dev.cloister.base.SecretBytes;
import dev.cloister.tokens.oprf.DeriveKeyPairException;
import dev.cloister.tokens.oprf.OprfKeyPair;
import dev.cloister.tokens.oprf.OprfMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;

/** Where each epoch's issuer key pair comes from. */
public sealed interface EpochKeySource {

    OprfKeyPair keyPairFor(Epoch epoch);

    /**
     * Keys derived from one master seed with RFC 9497 §3.2.1 DeriveKeyPair(seed, info = "cloister/privacypass/epoch-key/v1"
     * ‖ I2OSP(epoch, 8)), so that an issuer and the gateways that redeem its tokens agree on every epoch's key
     * without sharing state beyond the seed.
     */
    record Derived(SecretBytes masterSeed) implements EpochKeySource {
        private static final byte[] LABEL = "cloister/privacypass/epoch-key/v1".getBytes(StandardCharsets.US_ASCII);

        public Derived {
            Objects.requireNonNull(masterSeed, "masterSeed");
            if (masterSeed.length() < 32) {
                throw new IllegalArgumentException("master seed must be at least 32 bytes, got " + masterSeed.length());
            }
        }

        @Override
        public OprfKeyPair keyPairFor(Epoch epoch) {
            byte[] info = ByteBuffer.allocate(LABEL.length + 8)
                    .put(LABEL)
                    .putLong(epoch.index())
                    .array();
            try {
                return OprfKeyPair.derive(IssuerPublicKey.SUITE, OprfMode.VOPRF, masterSeed, info);
            } catch (DeriveKeyPairException e) {
                throw new IllegalStateException("no key for epoch " + epoch.index() + " (probability 2^-384*256)", e);
            }
        }

        @Override
        public String toString() {
            return "Derived[masterSeed=redacted]";
        }
    }

    /** A fresh random key per epoch; the keys live only in this process. */
    record Random(SecureRandom random) implements EpochKeySource {
        public Random {
            Objects.requireNonNull(random, "random");
        }

        @Override
        public OprfKeyPair keyPairFor(Epoch epoch) {
            return OprfKeyPair.generate(IssuerPublicKey.SUITE, random);
        }
    }
}
