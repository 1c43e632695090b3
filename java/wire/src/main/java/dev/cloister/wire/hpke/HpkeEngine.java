package dev.cloister.wire.hpke;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which library computes HPKE's HMAC (for HKDF) and AES-GCM: AWS-LC through the Amazon Corretto Crypto Provider, or
 * the JDK's SunJCE, and P-256's ECDH: AWS-LC or the JDK's SunEC (both constant time). Both give the same bytes; AWS-LC
 * is faster per call (less JCA overhead, its own AES-GCM, SHA-2 and P-256 assembly), the JDK is the fallback and the
 * known answer. ChaCha20-Poly1305 always comes from the JDK (the provider has none); X25519 is {@link X25519Engine}'s
 * choice (the provider's version 2.5.0 has none).
 *
 * <p>{@link #selected()} is AWS-LC where the provider's native library loads (Linux x86-64; the jar carries AWS-LC),
 * agrees with the JDK on a known answer for every primitive at first use, and is not turned off with {@code
 * -Dcloister.wire.awslc=false}; otherwise the JDK, with the reason in {@link #description()}. The provider is used
 * explicitly, never installed as a default JCA provider. Thread-safe: each thread keeps its own {@link Mac} objects.
 */
public enum HpkeEngine {
    AWS_LC,
    JDK;

    /** The system property that turns AWS-LC off ("false"). */
    public static final String ENABLED_PROPERTY = "cloister.wire.awslc";

    private final ThreadLocal<Map<KdfId, Mac>> macs = ThreadLocal.withInitial(() -> new EnumMap<>(KdfId.class));

    /** This thread's EC key factory, from this engine's library (it holds no key). */
    private final ThreadLocal<KeyFactory> ecKeys = ThreadLocal.withInitial(this::newEcKeyFactory);

    /** The engine HPKE uses in this JVM. */
    public static HpkeEngine selected() {
        return Selection.CHOICE.engine();
    }

    /** What computes HPKE's symmetric primitives in this JVM, for operators' logs, with the reason for a fallback. */
    public static String description() {
        return Selection.CHOICE.engine() == AWS_LC
                ? "AWS-LC " + AmazonCorrettoCryptoProvider.INSTANCE.getAwsLcVersionStr()
                : "JDK (" + Selection.CHOICE.reason() + ")";
    }

    /** An HMAC for {@code kdf}, keyed with {@code key}; the object is this thread's and is reused by its next call. */
    Mac hmac(KdfId kdf, byte[] key) {
        Map<KdfId, Mac> mine = macs.get();
        Mac mac = mine.get(kdf);
        try {
            if (mac == null) {
                mac = this == AWS_LC
                        ? Mac.getInstance(kdf.macAlgorithm(), provider())
                        : Mac.getInstance(kdf.macAlgorithm());
                mine.put(kdf, mac);
            }
            mac.init(new SecretKeySpec(key, kdf.macAlgorithm()));
            return mac;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(this + " lacks " + kdf.macAlgorithm(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC key rejected", e);
        }
    }

    /** A fresh AES-GCM cipher, initialised for {@code mode} with a 16-byte tag. */
    Cipher aesGcm(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher;
        try {
            cipher = this == AWS_LC
                    ? Cipher.getInstance("AES/GCM/NoPadding", provider())
                    : Cipher.getInstance("AES/GCM/NoPadding");
        } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
            throw new IllegalStateException(this + " lacks AES-GCM", e);
        }
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        return cipher;
    }

    /**
     * ECDH of {@code privateKey} with {@code publicKey} (the caller has checked that the point is on the curve): the
     * x-coordinate of their product, as long as the field.
     */
    byte[] ecdh(ECPrivateKeySpec privateKey, ECPublicKeySpec publicKey) throws GeneralSecurityException {
        KeyFactory factory = ecKeys.get();
        // A fresh agreement each time: one kept per thread would hold the last private key.
        KeyAgreement agreement =
                this == AWS_LC ? KeyAgreement.getInstance("ECDH", provider()) : KeyAgreement.getInstance("ECDH");
        agreement.init(factory.generatePrivate(privateKey));
        agreement.doPhase(factory.generatePublic(publicKey), true);
        return agreement.generateSecret();
    }

    private KeyFactory newEcKeyFactory() {
        try {
            return this == AWS_LC ? KeyFactory.getInstance("EC", provider()) : KeyFactory.getInstance("EC");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(this + " lacks EC keys", e);
        }
    }

    private static Provider provider() {
        return AmazonCorrettoCryptoProvider.INSTANCE;
    }

    /** The choice, made once, at first use. */
    private static final class Selection {
        record Choice(HpkeEngine engine, String reason) {}

        static final Choice CHOICE = choose();

        private static Choice choose() {
            if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true"))) {
                return new Choice(JDK, "AWS-LC turned off with -D" + ENABLED_PROPERTY + "=false");
            }
            try {
                Throwable loading = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
                if (loading != null) {
                    return new Choice(JDK, "AWS-LC did not load: " + loading);
                }
                String disagreement = knownAnswer();
                if (disagreement != null) {
                    return new Choice(JDK, "AWS-LC disagreed with the JDK on " + disagreement);
                }
                return new Choice(AWS_LC, "");
            } catch (GeneralSecurityException | RuntimeException | LinkageError e) {
                return new Choice(JDK, "AWS-LC is unusable: " + e);
            }
        }

        /** Null when AWS-LC and the JDK give the same bytes for every primitive, else the one they differ on. */
        private static String knownAnswer() throws GeneralSecurityException {
            byte[] key = new byte[64];
            byte[] data = new byte[1000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
            for (int i = 0; i < key.length; i++) key[i] = (byte) (i * 17 + 3);
            for (KdfId kdf : KdfId.values()) {
                if (!Arrays.equals(
                        AWS_LC.hmac(kdf, key).doFinal(data), JDK.hmac(kdf, key).doFinal(data))) {
                    return kdf.macAlgorithm();
                }
            }
            for (int keyLength : new int[] {16, 32}) {
                byte[] aesKey = Arrays.copyOf(key, keyLength);
                byte[] nonce = Arrays.copyOf(data, 12);
                Cipher aws = AWS_LC.aesGcm(Cipher.ENCRYPT_MODE, aesKey, nonce);
                aws.updateAAD(key);
                byte[] sealed = aws.doFinal(data);
                Cipher jdk = JDK.aesGcm(Cipher.ENCRYPT_MODE, aesKey, nonce);
                jdk.updateAAD(key);
                if (!Arrays.equals(sealed, jdk.doFinal(data))) return "AES-" + keyLength * 8 + "-GCM seal";
                Cipher open = AWS_LC.aesGcm(Cipher.DECRYPT_MODE, aesKey, nonce);
                open.updateAAD(key);
                if (!Arrays.equals(data, open.doFinal(sealed))) return "AES-" + keyLength * 8 + "-GCM open";
            }
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
            // k * G for a fixed k: both libraries' variable-base ECDH, G given as the peer's point.
            ECPublicKeySpec peer = new ECPublicKeySpec(p256.getGenerator(), p256);
            ECPrivateKeySpec mine = new ECPrivateKeySpec(new BigInteger(1, Arrays.copyOf(key, 32)), p256);
            if (!Arrays.equals(AWS_LC.ecdh(mine, peer), JDK.ecdh(mine, peer))) return "P-256 ECDH";
            return null;
        }
    }
}
