package dev.cloister.wire.ohttp;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeKem;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.HpkeSuite;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** draft-ietf-ohai-chunked-ohttp-08 Appendix A: every chunk and intermediate value, both directions. */
class ChunkedOhttpVectorTest {

    private final JsonNode v = Vectors.json("chunked-ohttp/chunked-ohttp-example.json");

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static List<byte[]> split(byte[] whole, int[] lengths) {
        List<byte[]> parts = new ArrayList<>();
        int at = 0;
        for (int length : lengths) {
            parts.add(Arrays.copyOfRange(whole, at, at + length));
            at += length;
        }
        assertEquals(whole.length, at);
        return parts;
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    @Test
    void chunkedRequestAndResponseMatchTheDraftExample() throws Exception {
        HpkePrivateKey server = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(hex(v, "server_sk_x25519"));
        KeyConfig config = KeyConfig.decode(hex(v, "key_config"));
        assertArrayEquals(server.publicKey(), config.publicKey().toByteArray());
        SymmetricAlgorithm algorithm = new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        assertArrayEquals(hex(v, "hpke_info"), new RequestHeader(1, suite).info(RequestHeader.CHUNKED_REQUEST_LABEL));

        List<byte[]> expectedRequest = new ArrayList<>();
        for (JsonNode part : v.get("encapsulated_request_parts")) expectedRequest.add(hex(part.asText()));

        // Client: seal the request in chunks of 12, 13 and 0 bytes.
        HpkePrivateKey ephemeral = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(hex(v, "client_ephemeral_sk"));
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(config, algorithm, ephemeral);
        List<byte[]> chunks = split(hex(v, "request_bhttp"), ints(v.get("request_chunk_plaintext_lengths")));
        assertArrayEquals(concat(expectedRequest.subList(0, 2)), client.header(), "hdr || enc");
        assertArrayEquals(expectedRequest.get(2), client.sealChunk(chunks.get(0)), "request chunk 1");
        assertArrayEquals(expectedRequest.get(3), client.sealChunk(chunks.get(1)), "request chunk 2");
        assertArrayEquals(expectedRequest.get(4), client.sealFinal(chunks.get(2)), "request final chunk");

        // Gateway: open the request byte by byte, to exercise every partial state.
        KeyRing ring = new KeyRing(List.of(OhttpVectorTest.gatewayKey(config, server)), Duration.ZERO);
        ChunkedRequestReader reader = new ChunkedRequestReader(() -> ring, OhttpVectorTest.NOW, OhttpLimits.DEFAULT);
        ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        for (byte b : concat(expectedRequest)) {
            reader.offer(new byte[] {b}).forEach(plaintext::writeBytes);
        }
        plaintext.writeBytes(reader.finish());
        assertArrayEquals(hex(v, "request_bhttp"), plaintext.toByteArray());

        // Gateway: the chunked response with the example's nonce, chunks of 1, 2 and 0 bytes.
        List<byte[]> expectedResponse = new ArrayList<>();
        for (JsonNode part : v.get("encapsulated_response_parts")) expectedResponse.add(hex(part.asText()));
        ResponseKeys keys = ResponseKeys.derive(
                suite, hex(v, "exported_secret"), hex(v, "client_ephemeral_pk"), hex(v, "response_nonce"));
        assertArrayEquals(hex(v, "aead_key"), keys.key().reveal());
        assertArrayEquals(hex(v, "aead_base_nonce"), keys.nonce().reveal());
        JsonNode nonces = v.get("response_chunk_nonces");
        for (int i = 0; i < nonces.size(); i++) {
            assertArrayEquals(hex(nonces.get(i).asText()), keys.chunkNonce(i), "chunk nonce " + i);
        }
        ChunkedResponseWriter writer = reader.responseWriter(hex(v, "response_nonce"));
        List<byte[]> responseChunks = split(hex(v, "response_bhttp"), ints(v.get("response_chunk_plaintext_lengths")));
        assertArrayEquals(expectedResponse.get(0), writer.header());
        assertArrayEquals(expectedResponse.get(1), writer.sealChunk(responseChunks.get(0)), "response chunk 1");
        assertArrayEquals(expectedResponse.get(2), writer.sealChunk(responseChunks.get(1)), "response chunk 2");
        assertArrayEquals(expectedResponse.get(3), writer.sealFinal(responseChunks.get(2)), "response final chunk");

        // Client: open the response in one piece.
        ChunkedResponseReader responseReader = client.responseReader(OhttpLimits.DEFAULT);
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        responseReader.offer(concat(expectedResponse)).forEach(response::writeBytes);
        response.writeBytes(responseReader.finish());
        assertTrue(responseReader.complete());
        assertArrayEquals(hex(v, "response_bhttp"), response.toByteArray());
    }
}
