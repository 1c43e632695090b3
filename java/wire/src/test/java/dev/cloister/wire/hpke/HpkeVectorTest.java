package dev.cloister.wire.hpke;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every base-mode RFC 9180 vector for the suites this module offers: KEM 0x0010 and 0x0020, KDF 1-3, every AEAD
 * including export-only. Checks the derived keys, enc, shared secret, key schedule outputs, all 257 encryptions in
 * sequence (seal and open) and all exports.
 */
class HpkeVectorTest {

    private static final String FILE = "hpke-rfc9180/vectors_rfc9180_5f503c5.json.gz";

    static List<JsonNode> offeredBaseModeVectors() {
        List<JsonNode> offered = new ArrayList<>();
        for (JsonNode v : Vectors.json(FILE)) {
            if (v.get("mode").asInt() != 0) continue;
            if (!isOffered(v)) continue;
            offered.add(v);
        }
        return offered;
    }

    private static boolean isOffered(JsonNode v) {
        try {
            KemId.fromId(v.get("kem_id").asInt());
            KdfId.fromId(v.get("kdf_id").asInt());
            AeadId.fromId(v.get("aead_id").asInt());
            return true;
        } catch (HpkeException e) {
            return false;
        }
    }

    @Test
    void everyOfferedSuiteHasVectors() throws HpkeException {
        List<JsonNode> vectors = offeredBaseModeVectors();
        // 2 KEMs x 2 KDFs present in the file (1, 3) x 4 AEADs.
        assertEquals(16, vectors.size(), "base-mode vectors for the offered suites");
        for (KemId kem : KemId.values()) {
            for (AeadId aead : AeadId.values()) {
                assertTrue(
                        vectors.stream()
                                .anyMatch(v -> v.get("kem_id").asInt() == kem.id()
                                        && v.get("aead_id").asInt() == aead.id()
                                        && v.get("kdf_id").asInt() == 1),
                        () -> "no vector for " + kem + " " + aead);
            }
        }
    }

    /**
     * The kept {@code key_schedule_context} values are bounded and equal to the ones computed from scratch; the
     * vectors pass with their contexts kept (second round) as with them computed (first round, or a full cache).
     */
    @Test
    void keptKeyScheduleContextsAreBoundedAndCorrect() throws HpkeException {
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        HpkeKdf kdf = HpkeKdf.of(KdfId.HKDF_SHA256);
        for (int i = 0; i < 3 * Hpke.CONTEXTS_KEPT; i++) {
            byte[] info = ("info " + i).getBytes(StandardCharsets.US_ASCII);
            byte[] expected = HpkeKem.concat(
                    HpkeKem.concat(
                            new byte[] {0},
                            kdf.labeledExtract(suite.suiteId(), new byte[0], "psk_id_hash", new byte[0])),
                    kdf.labeledExtract(suite.suiteId(), new byte[0], "info_hash", info));
            assertArrayEquals(expected, Hpke.keyScheduleContext(suite, info), "first call for info " + i);
            assertArrayEquals(expected, Hpke.keyScheduleContext(suite, info), "second call for info " + i);
        }
        assertTrue(Hpke.keptKeyScheduleContexts() <= Hpke.CONTEXTS_KEPT, "kept: " + Hpke.keptKeyScheduleContexts());
        for (int round = 0; round < 2; round++) {
            for (JsonNode v : offeredBaseModeVectors()) check(v);
        }
    }

    /**
     * The cache is least-recently-used: an {@code info} used between each of many new ones (the current key
     * configuration while others rotate through) stays kept, and after more than {@link Hpke#CONTEXTS_KEPT} others a
     * new one is still kept (the first ones kept do not hold the cache for good).
     */
    @Test
    void mostRecentlyUsedKeyScheduleContextStaysKept() {
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        byte[] current = "current key configuration".getBytes(StandardCharsets.US_ASCII);
        byte[] kept = Hpke.keyScheduleContext(suite, current);
        for (int i = 0; i < 4 * Hpke.CONTEXTS_KEPT; i++) {
            Hpke.keyScheduleContext(suite, ("rotated " + i).getBytes(StandardCharsets.US_ASCII));
            assertSame(kept, Hpke.keyScheduleContext(suite, current), "kept after " + (i + 1) + " others");
            assertTrue(Hpke.keptKeyScheduleContexts() <= Hpke.CONTEXTS_KEPT, "kept: " + Hpke.keptKeyScheduleContexts());
        }
        byte[] first = "rotated 0".getBytes(StandardCharsets.US_ASCII);
        assertFalse(Hpke.keepsKeyScheduleContext(suite, first), "the least recently used one was dropped");
        byte[] late = "a key configuration after many rotations".getBytes(StandardCharsets.US_ASCII);
        byte[] lateContext = Hpke.keyScheduleContext(suite, late);
        assertTrue(Hpke.keepsKeyScheduleContext(suite, late));
        assertSame(lateContext, Hpke.keyScheduleContext(suite, late), "a new one is kept once the cache is full");
        assertTrue(Hpke.keepsKeyScheduleContext(suite, current));
    }

    /** Threads that look up and add contexts at once get correct ones, and the cache stays within its bound. */
    @Test
    void keptKeyScheduleContextsAreSafeAcrossThreads() throws Exception {
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        HpkeKdf kdf = HpkeKdf.of(KdfId.HKDF_SHA256);
        int infos = 3 * Hpke.CONTEXTS_KEPT;
        byte[][] expected = new byte[infos][];
        for (int i = 0; i < infos; i++) {
            expected[i] = HpkeKem.concat(
                    HpkeKem.concat(
                            new byte[] {0},
                            kdf.labeledExtract(suite.suiteId(), new byte[0], "psk_id_hash", new byte[0])),
                    kdf.labeledExtract(
                            suite.suiteId(),
                            new byte[0],
                            "info_hash",
                            ("thread info " + i).getBytes(StandardCharsets.US_ASCII)));
        }
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int n = 0; n < 5_000; n++) {
                        int i = random.nextInt(infos);
                        assertArrayEquals(
                                expected[i],
                                Hpke.keyScheduleContext(
                                        suite, ("thread info " + i).getBytes(StandardCharsets.US_ASCII)));
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        assertTrue(Hpke.keptKeyScheduleContexts() <= Hpke.CONTEXTS_KEPT, "kept: " + Hpke.keptKeyScheduleContexts());
    }

    /**
     * What is kept is the public {@code key_schedule_context} of the vectors, a function of the suite and {@code
     * info} only: the same bytes whatever the shared secret, and never the shared secret, key, nonce or exporter
     * secret.
     */
    @Test
    void keptKeyScheduleContextIsPublic() throws HpkeException {
        for (JsonNode v : offeredBaseModeVectors()) {
            HpkeSuite suite = new HpkeSuite(
                    KemId.fromId(v.get("kem_id").asInt()),
                    KdfId.fromId(v.get("kdf_id").asInt()),
                    AeadId.fromId(v.get("aead_id").asInt()));
            byte[] info = hex(v, "info");
            HpkeKem kem = HpkeKem.of(suite.kem());
            HpkePrivateKey recipient = kem.deriveKeyPair(hex(v, "ikmR"));
            // A setup with a fresh ephemeral key (another shared secret) and the vector's own.
            Hpke.setupBaseSender(suite, recipient.publicKey(), info, new SecureRandom());
            Hpke.setupBaseSender(suite, recipient.publicKey(), info, kem.deriveKeyPair(hex(v, "ikmE")));
            byte[] kept = Hpke.keyScheduleContext(suite, info);
            assertArrayEquals(hex(v, "key_schedule_context"), kept, "kept key_schedule_context");
            for (String secret : List.of("shared_secret", "key", "base_nonce", "exporter_secret", "secret")) {
                if (!v.has(secret) || v.get(secret).asText().isEmpty()) continue;
                byte[] value = hex(v, secret);
                assertFalse(
                        Collections.indexOfSubList(asList(kept), asList(value)) >= 0,
                        () -> secret + " inside the kept context");
            }
        }
    }

    private static List<Byte> asList(byte[] bytes) {
        List<Byte> list = new ArrayList<>(bytes.length);
        for (byte b : bytes) list.add(b);
        return list;
    }

    @TestFactory
    Stream<DynamicTest> baseModeVectors() {
        return offeredBaseModeVectors().stream()
                .map(v -> DynamicTest.dynamicTest(
                        "kem=0x%04x kdf=%d aead=0x%04x"
                                .formatted(
                                        v.get("kem_id").asInt(),
                                        v.get("kdf_id").asInt(),
                                        v.get("aead_id").asInt()),
                        () -> check(v)));
    }

    private static void check(JsonNode v) throws HpkeException {
        HpkeSuite suite = new HpkeSuite(
                KemId.fromId(v.get("kem_id").asInt()),
                KdfId.fromId(v.get("kdf_id").asInt()),
                AeadId.fromId(v.get("aead_id").asInt()));
        HpkeKem kem = HpkeKem.of(suite.kem());

        HpkePrivateKey recipient = kem.deriveKeyPair(hex(v, "ikmR"));
        assertArrayEquals(hex(v, "pkRm"), recipient.publicKey(), "pkRm from DeriveKeyPair(ikmR)");
        assertArrayEquals(hex(v, "skRm"), recipient.serializedPrivateKey().reveal(), "skRm from DeriveKeyPair(ikmR)");
        HpkePrivateKey ephemeral = kem.deriveKeyPair(hex(v, "ikmE"));
        assertArrayEquals(hex(v, "pkEm"), ephemeral.publicKey(), "pkEm from DeriveKeyPair(ikmE)");
        // DeserializePrivateKey gives the same key pair back.
        assertArrayEquals(hex(v, "pkRm"), kem.privateKey(hex(v, "skRm")).publicKey(), "pk of DeserializePrivateKey");

        Encapsulation encapsulation = kem.encapsulate(hex(v, "pkRm"), ephemeral);
        assertArrayEquals(hex(v, "enc"), encapsulation.enc().toByteArray(), "enc");
        assertArrayEquals(hex(v, "shared_secret"), encapsulation.sharedSecret().reveal(), "shared_secret");
        assertArrayEquals(hex(v, "shared_secret"), kem.decapsulate(hex(v, "enc"), recipient), "Decap");

        byte[] info = hex(v, "info");
        Hpke.SenderSetup sender = Hpke.setupBaseSender(suite, hex(v, "pkRm"), info, ephemeral);
        assertArrayEquals(hex(v, "enc"), sender.enc().toByteArray());
        HpkeContext.Recipient receiver = Hpke.setupBaseRecipient(suite, hex(v, "enc"), recipient, info);

        for (JsonNode e : v.get("encryptions")) {
            byte[] aad = hex(e, "aad");
            byte[] pt = hex(e, "pt");
            byte[] ct = hex(e, "ct");
            assertArrayEquals(
                    ct,
                    sender.context().seal(aad, pt),
                    "seal at seq " + (sender.context().sequence()));
            assertArrayEquals(pt, receiver.open(aad, ct), "open at seq " + receiver.sequence());
        }
        if (suite.aead() != AeadId.EXPORT_ONLY) {
            assertEquals(257, sender.context().sequence(), "all 257 encryptions ran");
        }
        for (JsonNode x : v.get("exports")) {
            byte[] exporterContext = hex(x, "exporter_context");
            int length = x.get("L").asInt();
            assertArrayEquals(
                    hex(x, "exported_value"), sender.context().export(exporterContext, length), "sender export");
            assertArrayEquals(hex(x, "exported_value"), receiver.export(exporterContext, length), "recipient export");
        }
    }
}
