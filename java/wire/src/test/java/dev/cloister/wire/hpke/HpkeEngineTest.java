package dev.cloister.wire.hpke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two engines behind HPKE's HMAC, AES-GCM and P-256 ECDH give the same bytes and refuse the same forgeries. The published
 * vectors run on the selected engine in the default test run (AWS-LC on Linux x86-64) and on the JDK in the
 * {@code vectors-jdk} Surefire execution ({@code -Dcloister.wire.awslc=false}), which reruns this class, {@link
 * HpkeVectorTest} and the OHTTP vector tests.
 */
class HpkeEngineTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theSelectedEngineIsTheOneThisRunAskedFor() {
        boolean off = "false".equalsIgnoreCase(System.getProperty(HpkeEngine.ENABLED_PROPERTY, "true"));
        boolean linuxX64 = System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64");
        if (off) {
            assertEquals(HpkeEngine.JDK, HpkeEngine.selected(), HpkeEngine.description());
            assertTrue(HpkeEngine.description().contains("turned off"), HpkeEngine.description());
        } else if (linuxX64) {
            assertEquals(HpkeEngine.AWS_LC, HpkeEngine.selected(), HpkeEngine.description());
        }
    }

    /** RFC 5869 Appendix A.1 (HKDF-SHA256, test case 1). */
    @ParameterizedTest
    @EnumSource(HpkeEngine.class)
    void hkdfMatchesRfc5869(HpkeEngine engine) {
        HpkeKdf kdf = HpkeKdf.of(KdfId.HKDF_SHA256, engine);
        byte[] prk = kdf.extract(HEX.parseHex("000102030405060708090a0b0c"), HEX.parseHex("0b".repeat(22)));
        assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", HEX.formatHex(prk));
        assertEquals(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(kdf.expand(prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
    }

    /** P-256 ECDH by each engine, by name: the x-coordinate of a·(b·G), as BouncyCastle computes it. */
    @ParameterizedTest
    @EnumSource(HpkeEngine.class)
    void p256EcdhIsTheXCoordinateOfTheProduct(HpkeEngine engine) throws GeneralSecurityException {
        X9ECParameters curve = CustomNamedCurves.getByName("secp256r1");
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
        Random random = new Random(256);
        for (int i = 0; i < 20; i++) {
            BigInteger a = new BigInteger(255, random).add(BigInteger.ONE);
            BigInteger b = new BigInteger(255, random).add(BigInteger.ONE);
            org.bouncycastle.math.ec.ECPoint peer = curve.getG().multiply(b).normalize();
            byte[] expected = peer.multiply(a).normalize().getAffineXCoord().getEncoded();
            byte[] actual = engine.ecdh(
                    new ECPrivateKeySpec(a, p256),
                    new ECPublicKeySpec(
                            new ECPoint(
                                    peer.getAffineXCoord().toBigInteger(),
                                    peer.getAffineYCoord().toBigInteger()),
                            p256));
            assertArrayEquals(expected, actual, engine + " ECDH " + i);
        }
    }

    @Test
    void bothEnginesGiveTheSameBytes() throws HpkeException {
        Random random = new Random(19);
        for (int length : new int[] {0, 1, 15, 16, 17, 1024, 4099}) {
            byte[] plaintext = bytes(random, length);
            byte[] aad = bytes(random, length % 40);
            for (AeadId id : new AeadId[] {AeadId.AES_128_GCM, AeadId.AES_256_GCM}) {
                byte[] key = bytes(random, id.nK());
                byte[] nonce = bytes(random, id.nN());
                byte[] aws = HpkeAead.of(id, HpkeEngine.AWS_LC).seal(key, nonce, aad, plaintext);
                byte[] jdk = HpkeAead.of(id, HpkeEngine.JDK).seal(key, nonce, aad, plaintext);
                assertArrayEquals(jdk, aws, id + " seal of " + length + " bytes");
                assertArrayEquals(plaintext, HpkeAead.of(id, HpkeEngine.AWS_LC).open(key, nonce, aad, jdk));
                assertArrayEquals(plaintext, HpkeAead.of(id, HpkeEngine.JDK).open(key, nonce, aad, aws));
            }
            for (KdfId id : KdfId.values()) {
                byte[] salt = bytes(random, length % 70);
                byte[] ikm = bytes(random, length % 100 + 1);
                byte[] suite = {'H', 'P', 'K', 'E', 0, 0x20, 0, (byte) id.id(), 0, 1};
                HpkeKdf aws = HpkeKdf.of(id, HpkeEngine.AWS_LC);
                HpkeKdf jdk = HpkeKdf.of(id, HpkeEngine.JDK);
                byte[] prk = jdk.labeledExtract(suite, salt, "secret", ikm);
                assertArrayEquals(prk, aws.labeledExtract(suite, salt, "secret", ikm), id + " extract");
                assertArrayEquals(
                        jdk.labeledExpand(suite, prk, "key", plaintext, 3 * id.nH() + 5),
                        aws.labeledExpand(suite, prk, "key", plaintext, 3 * id.nH() + 5),
                        id + " expand");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(HpkeEngine.class)
    void aTamperedCiphertextTagOrAadIsRefused(HpkeEngine engine) throws HpkeException {
        HpkeAead aead = HpkeAead.of(AeadId.AES_128_GCM, engine);
        byte[] key = new byte[16];
        byte[] nonce = new byte[12];
        byte[] aad = {1, 2, 3};
        byte[] sealed = aead.seal(key, nonce, aad, new byte[100]);
        for (int i : new int[] {0, 99, sealed.length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 1;
            HpkeException e = assertThrows(HpkeException.class, () -> aead.open(key, nonce, aad, tampered));
            assertEquals("AEAD open: authentication failed", e.getMessage());
        }
        assertThrows(HpkeException.class, () -> aead.open(key, nonce, new byte[] {1, 2, 4}, sealed));
        assertThrows(HpkeException.class, () -> aead.open(key, nonce, aad, new byte[15]));
    }

    private static byte[] bytes(Random random, int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
