package dev.cloister.wire.ohttp;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeContext;
import dev.cloister.wire.hpke.HpkeKem;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.HpkeSuite;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9458 Appendix A, every intermediate value. */
class OhttpVectorTest {

    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    private final JsonNode v = Vectors.json("ohttp-rfc9458/rfc9458-appendix-a.json");

    static GatewayKey gatewayKey(KeyConfig config, HpkePrivateKey key) {
        return new GatewayKey(config, key, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void keyConfigurationEncodesToTheRfcBytes() throws Exception {
        HpkePrivateKey server = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(hex(v, "server_sk_x25519"));
        KeyConfig config = new KeyConfig(
                1,
                KemId.DHKEM_X25519_HKDF_SHA256,
                dev.cloister.base.Bytes.of(server.publicKey()),
                List.of(
                        new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM),
                        new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.CHACHA20_POLY1305)));
        assertArrayEquals(hex(v, "key_config"), config.encode());
        assertEquals(config, KeyConfig.decode(hex(v, "key_config")));
    }

    @Test
    void requestAndResponseMatchEveryIntermediateValue() throws Exception {
        HpkePrivateKey server = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(hex(v, "server_sk_x25519"));
        KeyConfig config = KeyConfig.decode(hex(v, "key_config"));
        SymmetricAlgorithm algorithm = new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);

        assertArrayEquals(hex(v, "hpke_info"), new RequestHeader(1, suite).info(RequestHeader.REQUEST_LABEL));

        HpkePrivateKey ephemeral = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(hex(v, "client_ephemeral_sk"));
        assertArrayEquals(hex(v, "client_ephemeral_pk"), ephemeral.publicKey());
        ObliviousRequest request = ObliviousRequest.encapsulate(config, algorithm, hex(v, "request_bhttp"), ephemeral);
        assertArrayEquals(hex(v, "encapsulated_request"), request.bytes(), "encapsulated request");

        KeyRing ring = new KeyRing(List.of(gatewayKey(config, server)), Duration.ZERO);
        ObliviousGateway gateway = new ObliviousGateway(() -> ring);
        ObliviousGateway.DecapsulatedRequest decapsulated = gateway.decapsulate(hex(v, "encapsulated_request"), NOW);
        assertArrayEquals(hex(v, "request_bhttp"), decapsulated.request());
        assertEquals(1, decapsulated.keyId());

        // The response side's intermediate values.
        HpkeContext.Recipient context = dev.cloister.wire.hpke.Hpke.setupBaseRecipient(
                suite, hex(v, "client_ephemeral_pk"), server, hex(v, "hpke_info"));
        byte[] secret = ResponseKeys.exportSecret(context, RequestHeader.RESPONSE_LABEL);
        assertArrayEquals(hex(v, "exported_secret"), secret, "exported secret");
        byte[] salt = hex(v, "salt");
        assertArrayEquals(
                hex(v, "prk"),
                dev.cloister.wire.hpke.HpkeKdf.of(KdfId.HKDF_SHA256).extract(salt, secret));
        ResponseKeys keys = ResponseKeys.derive(suite, secret, hex(v, "client_ephemeral_pk"), hex(v, "response_nonce"));
        assertArrayEquals(hex(v, "aead_key"), keys.key().reveal(), "aead key");
        assertArrayEquals(hex(v, "aead_nonce"), keys.nonce().reveal(), "aead nonce");

        byte[] response = decapsulated.encapsulateResponse(hex(v, "response_bhttp"), hex(v, "response_nonce"));
        assertArrayEquals(hex(v, "encapsulated_response"), response, "encapsulated response");
        assertArrayEquals(hex(v, "response_bhttp"), request.openResponse(hex(v, "encapsulated_response")));
    }
}
