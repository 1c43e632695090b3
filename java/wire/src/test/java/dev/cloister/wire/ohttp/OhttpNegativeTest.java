package dev.cloister.wire.ohttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every way an encapsulated message can be wrong is refused with the right reason. */
class OhttpNegativeTest {

    private final SecureRandom random = OhttpTestKeys.seeded(11);
    private final KeyRing ring = OhttpTestKeys.ring(random);
    private final ObliviousGateway gateway = new ObliviousGateway(() -> ring);
    private final KeyConfig x25519 = ring.keys().get(0).config();
    private final SymmetricAlgorithm aes128 = new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
    private final byte[] message = "GET /secret".getBytes();

    private static OhttpException.Reason reasonOf(Executable e) {
        return assertThrows(OhttpException.class, e).reason();
    }

    private byte[] request() throws OhttpException {
        return ObliviousRequest.encapsulate(x25519, aes128, message, random).bytes();
    }

    @Test
    void everySingleBitFlipOfAnEncapsulatedRequestIsRejected() throws Exception {
        byte[] good = request();
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            int at = bit;
            assertThrows(
                    OhttpException.class,
                    () -> gateway.decapsulate(bad, OhttpTestKeys.NOW),
                    () -> "bit " + at + " flipped was accepted");
        }
    }

    @Test
    void everyTruncationIsRejected() throws Exception {
        byte[] good = request();
        for (int length = 0; length < good.length; length++) {
            byte[] bad = Arrays.copyOf(good, length);
            assertThrows(OhttpException.class, () -> gateway.decapsulate(bad, OhttpTestKeys.NOW), "length " + length);
        }
    }

    @Test
    void unknownKeyIdIsAKeyConfigurationProblem() throws Exception {
        byte[] bad = request();
        bad[0] = 77;
        assertEquals(
                OhttpException.Reason.KEY_CONFIGURATION, reasonOf(() -> gateway.decapsulate(bad, OhttpTestKeys.NOW)));
    }

    @Test
    void kemThatDoesNotMatchTheKeyIdIsAKeyConfigurationProblem() throws Exception {
        byte[] bad = request();
        bad[0] = 2; // key 2 is the P-256 key, the header says X25519
        assertEquals(
                OhttpException.Reason.KEY_CONFIGURATION, reasonOf(() -> gateway.decapsulate(bad, OhttpTestKeys.NOW)));
    }

    @Test
    void unsupportedAlgorithmIdsAreAKeyConfigurationProblem() throws Exception {
        byte[] bad = request();
        bad[6] = 0x09; // AEAD 0x0009
        assertEquals(
                OhttpException.Reason.KEY_CONFIGURATION, reasonOf(() -> gateway.decapsulate(bad, OhttpTestKeys.NOW)));
    }

    @Test
    void algorithmNotListedInTheKeyConfigIsAKeyConfigurationProblem() throws Exception {
        KeyConfig narrow = new KeyConfig(1, x25519.kem(), x25519.publicKey(), List.of(aes128));
        KeyRing narrowRing = new KeyRing(
                List.of(new GatewayKey(
                        narrow,
                        ring.keys().get(0).privateKey(),
                        ring.keys().get(0).notBefore(),
                        ring.keys().get(0).notAfter())),
                ring.grace());
        byte[] chacha = ObliviousRequest.encapsulate(
                        x25519, new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.CHACHA20_POLY1305), message, random)
                .bytes();
        assertEquals(
                OhttpException.Reason.KEY_CONFIGURATION,
                reasonOf(() -> new ObliviousGateway(() -> narrowRing).decapsulate(chacha, OhttpTestKeys.NOW)));
    }

    @Test
    void requestForAnotherGatewaysKeyFailsToDecrypt() throws Exception {
        KeyRing other = OhttpTestKeys.ring(OhttpTestKeys.seeded(99));
        byte[] foreign = ObliviousRequest.encapsulate(other.keys().get(0).config(), aes128, message, random)
                .bytes();
        assertEquals(
                OhttpException.Reason.DECRYPTION_FAILED,
                reasonOf(() -> gateway.decapsulate(foreign, OhttpTestKeys.NOW)));
    }

    @Test
    void tamperedOrTruncatedResponseIsRejected() throws Exception {
        ObliviousRequest request = ObliviousRequest.encapsulate(x25519, aes128, message, random);
        byte[] response =
                gateway.decapsulate(request.bytes(), OhttpTestKeys.NOW).encapsulateResponse(message, random);
        for (int i = 0; i < response.length; i++) {
            byte[] bad = response.clone();
            bad[i] ^= 0x01;
            ObliviousRequest fresh = ObliviousRequest.encapsulate(x25519, aes128, message, random);
            byte[] freshResponse =
                    gateway.decapsulate(fresh.bytes(), OhttpTestKeys.NOW).encapsulateResponse(message, random);
            freshResponse[i] ^= 0x01;
            assertEquals(OhttpException.Reason.DECRYPTION_FAILED, reasonOf(() -> fresh.openResponse(freshResponse)));
        }
        assertEquals(
                OhttpException.Reason.MALFORMED, reasonOf(() -> request.openResponse(Arrays.copyOf(response, 20))));
    }

    @Test
    void malformedKeyConfigListsAreRejected() {
        byte[] good = KeyConfigs.encode(ring.advertised(OhttpTestKeys.NOW));
        for (int length = 1; length < good.length; length++) {
            byte[] truncated = Arrays.copyOf(good, length);
            if (length == 2 + ring.keys().get(0).config().encodedLength()) continue; // a whole first config
            assertThrows(OhttpException.class, () -> KeyConfigs.decode(truncated), "truncated to " + length);
        }
        byte[] zeroAlgorithms = {
            0x00, 0x26, 1, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0x00, 0x00
        };
        assertEquals(OhttpException.Reason.MALFORMED, reasonOf(() -> KeyConfigs.decode(zeroAlgorithms)));
        byte[] oddAlgorithmsLength = KeyConfigs.encode(List.of(x25519));
        oddAlgorithmsLength[2 + 1 + 2 + 32 + 1] = 0x05;
        assertEquals(OhttpException.Reason.MALFORMED, reasonOf(() -> KeyConfigs.decode(oddAlgorithmsLength)));
    }

    private byte[] chunkedRequest(byte[]... chunks) throws OhttpException {
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(x25519, aes128, random);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(client.header());
        for (int i = 0; i < chunks.length - 1; i++) out.writeBytes(client.sealChunk(chunks[i]));
        out.writeBytes(client.sealFinal(chunks[chunks.length - 1]));
        return out.toByteArray();
    }

    private byte[] readAll(byte[] stream, OhttpLimits limits) throws OhttpException {
        ChunkedRequestReader reader = new ChunkedRequestReader(() -> ring, OhttpTestKeys.NOW, limits);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        reader.offer(stream).forEach(out::writeBytes);
        out.writeBytes(reader.finish());
        return out.toByteArray();
    }

    @Test
    void chunkedRequestWithoutItsFinalChunkIsTruncated() throws Exception {
        byte[] stream = chunkedRequest("one".getBytes(), "two".getBytes(), "three".getBytes());
        // Cut right before the final chunk's zero length: a complete-looking prefix of non-final chunks.
        int finalStart = stream.length - (1 + 5 + 16);
        byte[] cut = Arrays.copyOf(stream, finalStart);
        assertEquals(OhttpException.Reason.TRUNCATED, reasonOf(() -> readAll(cut, OhttpLimits.DEFAULT)));
        for (int length = 0; length < stream.length; length++) {
            byte[] prefix = Arrays.copyOf(stream, length);
            assertThrows(OhttpException.class, () -> readAll(prefix, OhttpLimits.DEFAULT), "prefix " + length);
        }
    }

    @Test
    void nonFinalChunkPresentedAsFinalIsRejected() throws Exception {
        byte[] stream = chunkedRequest("one".getBytes(), "two".getBytes());
        // Rewrite the first chunk's length to 0 so that it claims to be the final chunk.
        int at = 7 + 32;
        byte[] relabelled = new byte[stream.length];
        System.arraycopy(stream, 0, relabelled, 0, stream.length);
        int firstLength = relabelled[at];
        relabelled[at] = 0;
        byte[] cut = Arrays.copyOf(relabelled, at + 1 + firstLength);
        assertEquals(OhttpException.Reason.DECRYPTION_FAILED, reasonOf(() -> readAll(cut, OhttpLimits.DEFAULT)));
    }

    @Test
    void everyBitFlipOfAChunkedRequestIsRejected() throws Exception {
        byte[] stream = chunkedRequest("one".getBytes(), "two".getBytes());
        for (int bit = 0; bit < stream.length * 8; bit++) {
            byte[] bad = stream.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            int at = bit;
            assertThrows(OhttpException.class, () -> readAll(bad, OhttpLimits.DEFAULT), () -> "bit " + at);
        }
    }

    @Test
    void droppedOrReorderedChunksAreRejected() throws Exception {
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(x25519, aes128, random);
        byte[] header = client.header();
        byte[] a = client.sealChunk("aaaa".getBytes());
        byte[] b = client.sealChunk("bbbb".getBytes());
        byte[] last = client.sealFinal("end".getBytes());
        ByteArrayOutputStream reordered = new ByteArrayOutputStream();
        reordered.writeBytes(header);
        reordered.writeBytes(b);
        reordered.writeBytes(a);
        reordered.writeBytes(last);
        assertEquals(
                OhttpException.Reason.DECRYPTION_FAILED,
                reasonOf(() -> readAll(reordered.toByteArray(), OhttpLimits.DEFAULT)));
        ByteArrayOutputStream dropped = new ByteArrayOutputStream();
        dropped.writeBytes(header);
        dropped.writeBytes(a);
        dropped.writeBytes(last);
        assertEquals(
                OhttpException.Reason.DECRYPTION_FAILED,
                reasonOf(() -> readAll(dropped.toByteArray(), OhttpLimits.DEFAULT)));
    }

    @Test
    void oversizedChunksAndMessagesAreRefusedBeforeBuffering() throws Exception {
        OhttpLimits tight = new OhttpLimits(4096, 256);
        byte[] bigChunk = chunkedRequest(new byte[1000], new byte[0]);
        assertEquals(OhttpException.Reason.TOO_LARGE, reasonOf(() -> readAll(bigChunk, tight)));
        byte[] bigFinal = chunkedRequest(new byte[1000]);
        assertEquals(OhttpException.Reason.TOO_LARGE, reasonOf(() -> readAll(bigFinal, tight)));
        byte[][] many = new byte[40][];
        for (int i = 0; i < many.length; i++) many[i] = new byte[200];
        byte[] tooLong = chunkedRequest(many);
        assertEquals(OhttpException.Reason.TOO_LARGE, reasonOf(() -> readAll(tooLong, tight)));
        // A chunk length of 2^62-1 is refused from its 8-byte prefix alone.
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(x25519, aes128, random);
        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        huge.writeBytes(client.header());
        huge.writeBytes(new byte[] {(byte) 0xff, -1, -1, -1, -1, -1, -1, -1});
        assertEquals(OhttpException.Reason.TOO_LARGE, reasonOf(() -> readAll(huge.toByteArray(), tight)));
    }

    @Test
    void truncatedChunkedResponseIsAnError() throws Exception {
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(x25519, aes128, random);
        ChunkedRequestReader reader = new ChunkedRequestReader(() -> ring, OhttpTestKeys.NOW, OhttpLimits.DEFAULT);
        reader.offer(client.header());
        ChunkedResponseWriter writer = reader.responseWriter(random);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(writer.header());
        stream.writeBytes(writer.sealChunk("token one".getBytes()));
        stream.writeBytes(writer.sealChunk("token two".getBytes()));
        ChunkedResponseReader responseReader = client.responseReader(OhttpLimits.DEFAULT);
        assertEquals(2, responseReader.offer(stream.toByteArray()).size());
        assertEquals(OhttpException.Reason.TRUNCATED, reasonOf(responseReader::finish));
    }

    @Test
    void destroyedOrFailedStateFailsClosed() throws Exception {
        ChunkedObliviousRequest client = ChunkedObliviousRequest.start(x25519, aes128, random);
        ChunkedRequestReader reader = new ChunkedRequestReader(() -> ring, OhttpTestKeys.NOW, OhttpLimits.DEFAULT);
        reader.offer(client.header());
        ChunkedResponseWriter writer = reader.responseWriter(random);
        assertThrows(IllegalStateException.class, () -> reader.responseWriter(random), "one response per request");
        byte[] good = writer.sealChunk("x".getBytes());
        ChunkedResponseReader responses = client.responseReader(OhttpLimits.DEFAULT);
        assertThrows(IllegalStateException.class, () -> client.responseReader(OhttpLimits.DEFAULT));
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1;
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        stream.writeBytes(writer.header());
        stream.writeBytes(bad);
        assertEquals(OhttpException.Reason.DECRYPTION_FAILED, reasonOf(() -> responses.offer(stream.toByteArray())));
        assertThrows(IllegalStateException.class, () -> responses.offer(good), "no opening under zeroed keys");

        reader.fail();
        assertThrows(IllegalStateException.class, () -> reader.offer(new byte[1]));
        assertThrows(IllegalStateException.class, reader::finish);

        var setup = dev.cloister.wire.hpke.Hpke.setupBaseSender(
                new dev.cloister.wire.hpke.HpkeSuite(x25519.kem(), aes128.kdf(), aes128.aead()),
                x25519.publicKey().toByteArray(),
                new byte[0],
                random);
        setup.context().destroy();
        assertThrows(IllegalStateException.class, () -> setup.context().seal(new byte[0], new byte[1]));
        assertThrows(IllegalStateException.class, () -> setup.context().export(new byte[0], 16));
    }
}
