package dev.cloister.wire.hpke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HpkeNegativeTest {

    private final SecureRandom random = new SecureRandom();
    private final HpkeSuite x25519 =
            new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
    private final HpkeSuite p256 =
            new HpkeSuite(KemId.DHKEM_P256_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.CHACHA20_POLY1305);

    @Test
    void x25519SmallOrderPublicKeyIsRefused() {
        HpkePrivateKey key = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).generateKeyPair(random);
        byte[] zero = new byte[32];
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).decapsulate(zero, key));
        byte[] one = new byte[32];
        one[0] = 1;
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).decapsulate(one, key));
    }

    @Test
    void p256PointNotOnTheCurveIsRefused() {
        HpkePrivateKey key = HpkeKem.of(KemId.DHKEM_P256_HKDF_SHA256).generateKeyPair(random);
        byte[] offCurve = key.publicKey();
        offCurve[64] ^= 1;
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_P256_HKDF_SHA256).decapsulate(offCurve, key));
        byte[] compressed = Arrays.copyOf(key.publicKey(), 33);
        compressed[0] = 0x02;
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_P256_HKDF_SHA256).decapsulate(Arrays.copyOf(compressed, 65), key));
    }

    @Test
    void wrongLengthKeysAreRefused() {
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).privateKey(new byte[31]));
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_P256_HKDF_SHA256).privateKey(new byte[32]));
        HpkePrivateKey key = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).generateKeyPair(random);
        assertThrows(
                HpkeException.class,
                () -> HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).decapsulate(new byte[31], key));
    }

    @Test
    void everyBitFlipOfSingleShotCiphertextIsRefusedForBothKems() throws Exception {
        for (HpkeSuite suite : new HpkeSuite[] {x25519, p256}) {
            HpkePrivateKey key = HpkeKem.of(suite.kem()).generateKeyPair(random);
            byte[] sealed =
                    Hpke.seal(suite, key.publicKey(), "info".getBytes(), "aad".getBytes(), "secret".getBytes(), random);
            assertArrayEquals("secret".getBytes(), Hpke.open(suite, sealed, key, "info".getBytes(), "aad".getBytes()));
            for (int bit = 0; bit < sealed.length * 8; bit++) {
                byte[] bad = sealed.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThrows(
                        HpkeException.class, () -> Hpke.open(suite, bad, key, "info".getBytes(), "aad".getBytes()));
            }
            assertThrows(
                    HpkeException.class, () -> Hpke.open(suite, sealed, key, "other".getBytes(), "aad".getBytes()));
            assertThrows(HpkeException.class, () -> Hpke.open(suite, sealed, key, "info".getBytes(), "bad".getBytes()));
        }
    }

    @Test
    void exportOnlySuiteCannotSeal() throws Exception {
        HpkeSuite exportOnly = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.EXPORT_ONLY);
        HpkePrivateKey key = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).generateKeyPair(random);
        Hpke.SenderSetup setup = Hpke.setupBaseSender(exportOnly, key.publicKey(), new byte[0], random);
        assertThrows(HpkeException.class, () -> setup.context().seal(new byte[0], new byte[1]));
    }

    @Test
    void secretsDoNotAppearInToStringAndDestroyedKeysRefuseToWork() throws Exception {
        HpkeSuite suite = new HpkeSuite(KemId.DHKEM_X25519_HKDF_SHA256, KdfId.HKDF_SHA256, AeadId.AES_128_GCM);
        HpkePrivateKey key = HpkeKem.of(KemId.DHKEM_X25519_HKDF_SHA256).generateKeyPair(random);
        String hex =
                java.util.HexFormat.of().formatHex(key.serializedPrivateKey().reveal());
        assertFalse(key.toString().contains(hex));
        assertFalse(key.serializedPrivateKey().toString().contains(hex));
        Hpke.SenderSetup setup = Hpke.setupBaseSender(suite, key.publicKey(), new byte[0], random);
        key.destroy();
        assertThrows(
                IllegalStateException.class, () -> key.serializedPrivateKey().reveal());
        // A destroyed key must not decapsulate with zeros in place of the secret.
        assertThrows(
                IllegalStateException.class,
                () -> Hpke.setupBaseRecipient(suite, setup.enc().toByteArray(), key, new byte[0]));
    }
}
