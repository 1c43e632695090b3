package dev.cloister.wire.ohttp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random round trips over every offered suite, and the key-rotation rules. */
class OhttpRoundTripTest {

    private final SecureRandom random = OhttpTestKeys.seeded(7);
    private final KeyRing ring = OhttpTestKeys.ring(random);
    private final ObliviousGateway gateway = new ObliviousGateway(() -> ring);

    @Test
    void randomRequestsAndResponsesRoundTripForEverySuite() throws Exception {
        Random sizes = new Random(42);
        for (KeyConfig config : ring.advertised(OhttpTestKeys.NOW)) {
            for (SymmetricAlgorithm algorithm : config.algorithms()) {
                for (int i = 0; i < 40; i++) {
                    byte[] message = new byte[sizes.nextInt(i < 20 ? 64 : 20_000)];
                    sizes.nextBytes(message);
                    ObliviousRequest request = ObliviousRequest.encapsulate(config, algorithm, message, random);
                    ObliviousGateway.DecapsulatedRequest inner =
                            gateway.decapsulate(request.bytes(), OhttpTestKeys.NOW);
                    assertArrayEquals(message, inner.request());
                    byte[] answer = Arrays.copyOf(message, message.length / 2);
                    assertArrayEquals(answer, request.openResponse(inner.encapsulateResponse(answer, random)));
                }
            }
        }
    }

    @Test
    void randomChunkedStreamsRoundTripWithArbitrarySplits() throws Exception {
        Random r = new Random(43);
        for (KeyConfig config : ring.advertised(OhttpTestKeys.NOW)) {
            for (SymmetricAlgorithm algorithm : config.algorithms()) {
                for (int i = 0; i < 20; i++) {
                    List<byte[]> chunks = new ArrayList<>();
                    for (int c = r.nextInt(5); c > 0; c--) {
                        byte[] chunk = new byte[1 + r.nextInt(300)];
                        r.nextBytes(chunk);
                        chunks.add(chunk);
                    }
                    byte[] last = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(100)];
                    r.nextBytes(last);

                    ChunkedObliviousRequest client = ChunkedObliviousRequest.start(config, algorithm, random);
                    ByteArrayOutputStream wire = new ByteArrayOutputStream();
                    wire.writeBytes(client.header());
                    for (byte[] chunk : chunks) wire.writeBytes(client.sealChunk(chunk));
                    wire.writeBytes(client.sealFinal(last));

                    ChunkedRequestReader reader =
                            new ChunkedRequestReader(() -> ring, OhttpTestKeys.NOW, OhttpLimits.DEFAULT);
                    List<byte[]> received = new ArrayList<>();
                    byte[] bytes = wire.toByteArray();
                    for (int at = 0; at < bytes.length; ) {
                        int n = Math.min(bytes.length - at, 1 + r.nextInt(64));
                        received.addAll(reader.offer(Arrays.copyOfRange(bytes, at, at + n)));
                        at += n;
                    }
                    byte[] receivedLast = reader.finish();
                    assertEquals(chunks.size(), received.size());
                    for (int c = 0; c < chunks.size(); c++) assertArrayEquals(chunks.get(c), received.get(c));
                    assertArrayEquals(last, receivedLast);

                    ChunkedResponseWriter writer = reader.responseWriter(random);
                    ByteArrayOutputStream back = new ByteArrayOutputStream();
                    back.writeBytes(writer.header());
                    for (byte[] chunk : chunks) back.writeBytes(writer.sealChunk(chunk));
                    back.writeBytes(writer.sealFinal(last));
                    ChunkedResponseReader responseReader = client.responseReader(OhttpLimits.DEFAULT);
                    List<byte[]> answered = new ArrayList<>(responseReader.offer(back.toByteArray()));
                    answered.add(responseReader.finish());
                    assertEquals(chunks.size() + 1, answered.size());
                    assertArrayEquals(last, answered.getLast());
                }
            }
        }
    }

    @Test
    void keyConfigListRoundTripsAndSkipsUnsupportedConfigs() throws Exception {
        List<KeyConfig> configs = ring.advertised(OhttpTestKeys.NOW);
        byte[] list = KeyConfigs.encode(configs);
        assertEquals(configs, KeyConfigs.decode(list));

        // A configuration for an unknown KEM (0x0099, 4-byte key) is skipped, the others kept.
        byte[] unknown = {0x00, 0x0d, 9, 0x00, (byte) 0x99, 1, 2, 3, 4, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01};
        byte[] mixed = new byte[unknown.length + list.length];
        System.arraycopy(unknown, 0, mixed, 0, unknown.length);
        System.arraycopy(list, 0, mixed, unknown.length, list.length);
        assertEquals(configs, KeyConfigs.decode(mixed));
    }

    @Test
    void rotationAdvertisesNewKeysAndHonoursTheGracePeriod() throws Exception {
        GatewayKey old = ring.keys().getFirst();
        KeyConfig oldConfig = old.config();
        SymmetricAlgorithm algorithm = oldConfig.algorithms().getFirst();
        var afterExpiry = old.notAfter().plus(Duration.ofMinutes(5));
        var afterGrace = old.notAfter().plus(ring.grace());

        GatewayKey next = GatewayKey.generate(
                ring.unusedKeyId(),
                KemId.DHKEM_X25519_HKDF_SHA256,
                List.of(new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM)),
                old.notAfter(),
                old.notAfter().plus(Duration.ofHours(2)),
                random);
        KeyRing rotated = ring.rotate(next, OhttpTestKeys.NOW);
        ObliviousGateway rotatedGateway = new ObliviousGateway(() -> rotated);

        assertFalse(rotated.advertised(afterExpiry).contains(oldConfig), "expired key no longer advertised");
        assertTrue(rotated.advertised(afterExpiry).contains(next.config()), "new key advertised");
        byte[] message = "hello".getBytes();
        byte[] encapsulated = ObliviousRequest.encapsulate(oldConfig, algorithm, message, random)
                .bytes();
        assertArrayEquals(
                message,
                rotatedGateway.decapsulate(encapsulated, afterExpiry).request(),
                "old key still accepted inside the grace period");
        OhttpException late =
                assertThrows(OhttpException.class, () -> rotatedGateway.decapsulate(encapsulated, afterGrace));
        assertEquals(OhttpException.Reason.KEY_CONFIGURATION, late.reason());
        OhttpException early = assertThrows(
                OhttpException.class,
                () -> rotatedGateway.decapsulate(
                        ObliviousRequest.encapsulate(
                                        next.config(),
                                        next.config().algorithms().getFirst(),
                                        message,
                                        random)
                                .bytes(),
                        OhttpTestKeys.NOW));
        assertEquals(OhttpException.Reason.KEY_CONFIGURATION, early.reason(), "a key is not accepted before notBefore");
    }
}
