package dev.cloister.wire.hpke;

import static dev.cloister.testing.Vectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both engines behind DHKEM(X25519)'s Diffie-Hellman, each asked for explicitly: RFC 7748's vectors, RFC 9180's
 * X25519 vectors end to end (Encap, Decap, every encryption and export), the same refusals (small-order points, a
 * tampered ciphertext or enc), and the same bytes as each other on random keys. The OHTTP vectors run on the selected
 * engine in the default test run (OpenSSL where it loads) and on BouncyCastle in the {@code vectors-jdk} Surefire
 * execution ({@code -Dcloister.wire.openssl=false}).
 */
class X25519EngineTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theSelectedEngineIsTheOneThisRunAskedFor() {
        boolean off = "false".equalsIgnoreCase(System.getProperty(X25519Engine.ENABLED_PROPERTY, "true"));
        boolean linuxX64 = System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64");
        if (off) {
            assertEquals(X25519Engine.BOUNCY_CASTLE, X25519Engine.selected(), X25519Engine.description());
            assertTrue(X25519Engine.description().contains("turned off"), X25519Engine.description());
        } else if (linuxX64) {
            // The build and test machines are Linux x86-64 with OpenSSL 3 (libssl3), as the deployment images are.
            assertEquals(X25519Engine.OPENSSL, X25519Engine.selected(), X25519Engine.description());
            assertTrue(X25519Engine.description().startsWith("OpenSSL 3."), X25519Engine.description());
        }
    }

    /** RFC 7748 §5.2: the two single-call vectors (non-canonical u with the top bit set) and 1,000 iterations. */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void rfc7748FunctionVectors(X25519Engine engine) {
        assertEquals(
                "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
                x25519(
                        engine,
                        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
        assertEquals(
                "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
                x25519(
                        engine,
                        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
        byte[] k = new byte[32];
        byte[] u = new byte[32];
        k[0] = 9;
        u[0] = 9;
        for (int i = 0; i < 1000; i++) {
            byte[] out = new byte[32];
            assertTrue(engine.agree(k, X25519Engine.publicKey(k), u, out));
            u = k;
            k = out;
        }
        assertEquals("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", HEX.formatHex(k));
    }

    /** RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret, computed from both sides. */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void rfc7748DiffieHellman(X25519Engine engine) {
        byte[] alice = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePublic = X25519Engine.publicKey(alice);
        byte[] bobPublic = X25519Engine.publicKey(bob);
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", HEX.formatHex(alicePublic));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", HEX.formatHex(bobPublic));
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        assertTrue(engine.agree(alice, alicePublic, bobPublic, k1));
        assertTrue(engine.agree(bob, bobPublic, alicePublic, k2));
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", HEX.formatHex(k1));
        assertArrayEquals(k1, k2);
    }

    /**
     * The points of order 1, 2, 4 and 8 and their non-canonical encodings (p-1, p, p+1, and the top bit set, which
     * X25519 ignores) give an all-zero secret: refused by both engines, RFC 7748 §6.1 and RFC 9180 §7.1.4.
     */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void smallOrderPointsAreRefused(X25519Engine engine) throws HpkeException {
        List<String> smallOrder = List.of(
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0100000000000000000000000000000000000000000000000000000000000000",
                "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "0000000000000000000000000000000000000000000000000000000000000080",
                "0100000000000000000000000000000000000000000000000000000000000080",
                "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880");
        X25519Kem kem = X25519Kem.of(engine);
        HpkePrivateKey recipient = kem.deriveKeyPair(new byte[32]);
        byte[] sk = recipient.serializedPrivateKey().reveal();
        for (String point : smallOrder) {
            assertFalse(engine.agree(sk, recipient.publicKey(), HEX.parseHex(point), new byte[32]), point);
            HpkeException e = assertThrows(HpkeException.class, () -> kem.decapsulate(HEX.parseHex(point), recipient));
            assertEquals("X25519: shared secret is all zero (small-order public key)", e.getMessage());
            assertThrows(HpkeException.class, () -> kem.encapsulate(HEX.parseHex(point), recipient));
        }
    }

    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void malformedKeysAreRefused(X25519Engine engine) throws HpkeException {
        X25519Kem kem = X25519Kem.of(engine);
        HpkePrivateKey recipient = kem.deriveKeyPair(new byte[32]);
        for (int length : new int[] {0, 31, 33, 65}) {
            HpkeException e = assertThrows(HpkeException.class, () -> kem.decapsulate(new byte[length], recipient));
            assertEquals("X25519 public key must be 32 bytes, got " + length, e.getMessage());
        }
        HpkePrivateKey p256 = HpkeKem.of(KemId.DHKEM_P256_HKDF_SHA256).deriveKeyPair(new byte[32]);
        assertThrows(HpkeException.class, () -> kem.decapsulate(recipient.publicKey(), p256));
        assertThrows(HpkeException.class, () -> kem.encapsulate(recipient.publicKey(), p256));
    }

    @Test
    void bothEnginesGiveTheSameBytes() {
        Random random = new Random(7748);
        for (int i = 0; i < 200; i++) {
            byte[] sk = new byte[32];
            byte[] peer = new byte[32];
            random.nextBytes(sk);
            random.nextBytes(peer);
            byte[] openSsl = new byte[32];
            byte[] bouncyCastle = new byte[32];
            byte[] pk = X25519Engine.publicKey(sk);
            // Random 32 bytes are almost never a small-order point: both engines agree and both succeed.
            assertTrue(X25519Engine.OPENSSL.agree(sk, pk, peer, openSsl));
            assertTrue(X25519Engine.BOUNCY_CASTLE.agree(sk, pk, peer, bouncyCastle));
            assertArrayEquals(bouncyCastle, openSsl, "X25519 of random input " + i);
        }
    }

    /** Every RFC 9180 base-mode vector with DHKEM(X25519), end to end on the engine given. */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void rfc9180X25519Vectors(X25519Engine engine) throws HpkeException {
        X25519Kem kem = X25519Kem.of(engine);
        int checked = 0;
        for (JsonNode v : HpkeVectorTest.offeredBaseModeVectors()) {
            if (v.get("kem_id").asInt() != KemId.DHKEM_X25519_HKDF_SHA256.id()) continue;
            HpkeSuite suite = suite(v);
            HpkePrivateKey recipient = kem.deriveKeyPair(hex(v, "ikmR"));
            HpkePrivateKey ephemeral = kem.deriveKeyPair(hex(v, "ikmE"));
            Encapsulation encapsulation = kem.encapsulate(hex(v, "pkRm"), ephemeral);
            assertArrayEquals(hex(v, "enc"), encapsulation.enc().toByteArray(), "enc");
            assertArrayEquals(
                    hex(v, "shared_secret"), encapsulation.sharedSecret().reveal(), "Encap");
            assertArrayEquals(hex(v, "shared_secret"), kem.decapsulate(hex(v, "enc"), recipient), "Decap");

            byte[] info = hex(v, "info");
            HpkeContext.Sender sender = Hpke.setupBaseSender(kem, suite, hex(v, "pkRm"), info, ephemeral)
                    .context();
            HpkeContext.Recipient receiver = Hpke.setupBaseRecipient(kem, suite, hex(v, "enc"), recipient, info);
            for (JsonNode e : v.get("encryptions")) {
                assertArrayEquals(hex(e, "ct"), sender.seal(hex(e, "aad"), hex(e, "pt")));
                assertArrayEquals(hex(e, "pt"), receiver.open(hex(e, "aad"), hex(e, "ct")));
            }
            for (JsonNode x : v.get("exports")) {
                assertArrayEquals(
                        hex(x, "exported_value"),
                        receiver.export(hex(x, "exporter_context"), x.get("L").asInt()));
            }
            checked++;
        }
        assertEquals(8, checked, "X25519 vectors: 2 KDFs x 4 AEADs");
    }

    /** A ciphertext, tag or enc with one bit flipped fails to open on the engine given, as does a wrong key. */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void aTamperedCiphertextOrEncFailsToOpen(X25519Engine engine) throws HpkeException {
        X25519Kem kem = X25519Kem.of(engine);
        for (JsonNode v : HpkeVectorTest.offeredBaseModeVectors()) {
            if (v.get("kem_id").asInt() != KemId.DHKEM_X25519_HKDF_SHA256.id()) continue;
            HpkeSuite suite = suite(v);
            if (suite.aead() == AeadId.EXPORT_ONLY) continue;
            HpkePrivateKey recipient = kem.deriveKeyPair(hex(v, "ikmR"));
            byte[] enc = hex(v, "enc");
            byte[] info = hex(v, "info");
            JsonNode first = v.get("encryptions").get(0);
            byte[] aad = hex(first, "aad");
            byte[] ct = hex(first, "ct");
            for (int i : new int[] {0, ct.length / 2, ct.length - 1}) {
                byte[] tampered = ct.clone();
                tampered[i] ^= 1;
                HpkeContext.Recipient context = Hpke.setupBaseRecipient(kem, suite, enc, recipient, info);
                HpkeException e = assertThrows(HpkeException.class, () -> context.open(aad, tampered));
                assertEquals("AEAD open: authentication failed", e.getMessage());
            }
            for (int i : new int[] {0, 17, 31}) {
                byte[] tamperedEnc = enc.clone();
                tamperedEnc[i] ^= 1;
                HpkeContext.Recipient context = Hpke.setupBaseRecipient(kem, suite, tamperedEnc, recipient, info);
                assertThrows(HpkeException.class, () -> context.open(aad, ct), "enc byte " + i);
            }
            HpkePrivateKey other = kem.deriveKeyPair(hex(v, "ikmE"));
            HpkeContext.Recipient wrongKey = Hpke.setupBaseRecipient(kem, suite, enc, other, info);
            assertThrows(HpkeException.class, () -> wrongKey.open(aad, ct));
        }
    }

    /**
     * A recipient key decapsulates from many threads at once (OpenSSL's copy imported once and shared), and once it is
     * destroyed, during those calls or before, every call either gave the right secret or throws: never a wrong one.
     */
    @ParameterizedTest
    @EnumSource(X25519Engine.class)
    void aDestroyedRecipientKeyIsRefusedEvenMidFlight(X25519Engine engine) throws Exception {
        X25519Kem kem = X25519Kem.of(engine);
        HpkePrivateKey recipient = kem.deriveKeyPair(new byte[] {1, 2, 3});
        Encapsulation encapsulation = kem.encapsulate(recipient.publicKey(), kem.deriveKeyPair(new byte[] {4}));
        byte[] enc = encapsulation.enc().toByteArray();
        byte[] expected = encapsulation.sharedSecret().reveal();
        assertArrayEquals(expected, kem.decapsulate(enc, recipient));
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 50; i++) {
                    try {
                        if (!Arrays.equals(expected, kem.decapsulate(enc, recipient))) wrong.incrementAndGet();
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                    } catch (HpkeException e) {
                        wrong.incrementAndGet();
                    }
                }
            });
        }
        Thread.sleep(5);
        recipient.destroy();
        for (Thread thread : threads) thread.join();
        assertEquals(0, wrong.get(), "wrong secrets (" + refused.get() + " calls refused)");
        assertThrows(IllegalStateException.class, () -> kem.decapsulate(enc, recipient));
    }

    private static HpkeSuite suite(JsonNode v) throws HpkeException {
        return new HpkeSuite(
                KemId.fromId(v.get("kem_id").asInt()),
                KdfId.fromId(v.get("kdf_id").asInt()),
                AeadId.fromId(v.get("aead_id").asInt()));
    }

    private static String x25519(X25519Engine engine, String scalar, String u) {
        byte[] k = HEX.parseHex(scalar);
        byte[] out = new byte[32];
        assertTrue(engine.agree(k, X25519Engine.publicKey(k), HEX.parseHex(u), out));
        return HEX.formatHex(out);
    }
}
