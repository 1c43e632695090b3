package dev.cloister.wire.hpke;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AEAD functions {@code Seal(key, nonce, aad, pt)} and {@code Open(key, nonce, aad, ct)} of RFC 9180 §4, with the
 * tag appended to the ciphertext.
 *
 * <p>AES-GCM comes from the {@link HpkeEngine} given (by default {@link HpkeEngine#selected()}: AWS-LC where it loads,
 * else the JDK's SunJCE). ChaCha20-Poly1305 comes from SunJCE, whose vectorised ChaCha20/Poly1305 intrinsics beat
 * BouncyCastle's lightweight engines by a wide margin in {@code PrimitiveChoiceBenchmark} (see the README).
 */
public final class HpkeAead {

    private final AeadId id;
    private final HpkeEngine engine;

    private HpkeAead(AeadId id, HpkeEngine engine) {
        this.id = id;
        this.engine = engine;
    }

    private static final Map<HpkeEngine, Map<AeadId, HpkeAead>> ALL = new EnumMap<>(HpkeEngine.class);

    static {
        for (HpkeEngine engine : HpkeEngine.values()) {
            Map<AeadId, HpkeAead> byId = new EnumMap<>(AeadId.class);
            for (AeadId id : AeadId.values()) byId.put(id, new HpkeAead(id, engine));
            ALL.put(engine, byId);
        }
    }

    /** The AEAD {@code id} computed by {@link HpkeEngine#selected()}. */
    public static HpkeAead of(AeadId id) {
        return of(id, HpkeEngine.selected());
    }

    /** The AEAD {@code id} computed by {@code engine} (AES-GCM only; ChaCha20-Poly1305 is always the JDK's). */
    public static HpkeAead of(AeadId id, HpkeEngine engine) {
        return ALL.get(engine).get(id);
    }

    public AeadId id() {
        return id;
    }

    /** Encrypts and authenticates {@code plaintext}; returns ciphertext || tag. */
    public byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) throws HpkeException {
        return seal(key, nonce, aad, plaintext, 0, plaintext.length);
    }

    /** Encrypts and authenticates {@code plaintext[offset, offset+length)}; returns ciphertext || tag. */
    public byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int offset, int length)
            throws HpkeException {
        Cipher cipher = init(Cipher.ENCRYPT_MODE, key, nonce);
        try {
            if (aad.length > 0) cipher.updateAAD(aad);
            return cipher.doFinal(plaintext, offset, length);
        } catch (GeneralSecurityException e) {
            throw new HpkeException("AEAD seal failed", e);
        }
    }

    /** Checks the tag and decrypts {@code ciphertext} (ciphertext || tag). */
    public byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) throws HpkeException {
        return open(key, nonce, aad, ciphertext, 0, ciphertext.length);
    }

    /** Checks the tag and decrypts {@code ciphertext[offset, offset+length)}. */
    public byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext, int offset, int length)
            throws HpkeException {
        if (length < id.nT()) {
            throw new HpkeException("AEAD open: ciphertext shorter than the tag");
        }
        Cipher cipher = init(Cipher.DECRYPT_MODE, key, nonce);
        try {
            if (aad.length > 0) cipher.updateAAD(aad);
            return cipher.doFinal(ciphertext, offset, length);
        } catch (AEADBadTagException e) {
            throw new HpkeException("AEAD open: authentication failed");
        } catch (GeneralSecurityException e) {
            throw new HpkeException("AEAD open failed", e);
        }
    }

    private Cipher init(int mode, byte[] key, byte[] nonce) throws HpkeException {
        if (id == AeadId.EXPORT_ONLY) {
            throw new HpkeException("export-only suite: seal and open are not available");
        }
        if (key.length != id.nK() || nonce.length != id.nN()) {
            throw new HpkeException("AEAD key or nonce of the wrong length for " + id);
        }
        try {
            if (id == AeadId.CHACHA20_POLY1305) {
                Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
                cipher.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
                return cipher;
            }
            return engine.aesGcm(mode, key, nonce);
        } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
            throw new IllegalStateException("the JDK lacks " + id, e);
        } catch (GeneralSecurityException e) {
            throw new HpkeException("AEAD init failed", e);
        }
    }
}
