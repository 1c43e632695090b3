package dev.cloister.wire.hpke;

import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * DHKEM(P-256, HKDF-SHA256), RFC 9180 §4.1 and §7.1.
 *
 * <p>Public keys are parsed and checked to lie on the curve with BouncyCastle's fixed-width P-256 arithmetic; the
 * Diffie-Hellman with a secret scalar is {@link HpkeEngine}'s constant-time {@code ECDH} (AWS-LC, or the JDK's as the
 * fallback); public keys are computed from private keys with BouncyCastle's fixed-point comb.
 */
final class P256Kem implements HpkeKem {

    static final P256Kem INSTANCE = new P256Kem();
    private static final KemId ID = KemId.DHKEM_P256_HKDF_SHA256;

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    private static final BigInteger ORDER = CURVE.getN();
    private static final ECParameterSpec JDK_PARAMS = jdkParams();

    private P256Kem() {}

    private static ECParameterSpec jdkParams() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks secp256r1", e);
        }
    }

    @Override
    public KemId id() {
        return ID;
    }

    @Override
    public HpkePrivateKey generateKeyPair(SecureRandom random) {
        byte[] candidate = new byte[ID.nSk()];
        while (true) {
            random.nextBytes(candidate);
            BigInteger sk = new BigInteger(1, candidate);
            if (sk.signum() > 0 && sk.compareTo(ORDER) < 0) {
                HpkePrivateKey key = withPublicKey(sk);
                Arrays.fill(candidate, (byte) 0);
                return key;
            }
        }
    }

    @Override
    public HpkePrivateKey deriveKeyPair(byte[] ikm) throws HpkeException {
        HpkeKdf kdf = HpkeKdf.of(ID.kdf());
        byte[] suite = HpkeKem.kemSuiteId(ID);
        byte[] dkpPrk = kdf.labeledExtract(suite, new byte[0], "dkp_prk", ikm);
        try {
            for (int counter = 0; counter <= 255; counter++) {
                byte[] bytes = kdf.labeledExpand(suite, dkpPrk, "candidate", new byte[] {(byte) counter}, ID.nSk());
                bytes[0] &= (byte) 0xff; // the P-256 bitmask
                BigInteger sk = new BigInteger(1, bytes);
                Arrays.fill(bytes, (byte) 0);
                if (sk.signum() > 0 && sk.compareTo(ORDER) < 0) {
                    return withPublicKey(sk);
                }
            }
            throw new HpkeException("DeriveKeyPairError: no valid P-256 scalar in 256 candidates");
        } finally {
            Arrays.fill(dkpPrk, (byte) 0);
        }
    }

    @Override
    public HpkePrivateKey privateKey(byte[] serializedPrivateKey) throws HpkeException {
        if (serializedPrivateKey.length != ID.nSk()) {
            throw new HpkeException("P-256 private key must be 32 bytes, got " + serializedPrivateKey.length);
        }
        BigInteger sk = new BigInteger(1, serializedPrivateKey);
        if (sk.signum() == 0 || sk.compareTo(ORDER) >= 0) {
            throw new HpkeException("P-256 private key out of range [1, n-1]");
        }
        return withPublicKey(sk);
    }

    private static HpkePrivateKey withPublicKey(BigInteger sk) {
        byte[] skBytes = fixedLength(sk, ID.nSk());
        byte[] pk = new FixedPointCombMultiplier()
                .multiply(CURVE.getG(), sk)
                .normalize()
                .getEncoded(false);
        HpkePrivateKey key = new HpkePrivateKey(ID, skBytes, pk);
        Arrays.fill(skBytes, (byte) 0);
        return key;
    }

    @Override
    public Encapsulation encapsulate(byte[] recipientPublicKey, HpkePrivateKey ephemeral) throws HpkeException {
        byte[] dh = dh(ephemeral, recipientPublicKey);
        byte[] enc = ephemeral.publicKey();
        byte[] shared = HpkeKem.extractAndExpand(ID, dh, HpkeKem.concat(enc, recipientPublicKey));
        Arrays.fill(dh, (byte) 0);
        return new Encapsulation(SecretBytes.takeFrom(shared), Bytes.of(enc));
    }

    @Override
    public byte[] decapsulate(byte[] enc, HpkePrivateKey recipient) throws HpkeException {
        if (recipient.kem() != ID) {
            throw new HpkeException("Decap: private key is for " + recipient.kem() + ", not " + ID);
        }
        byte[] dh = dh(recipient, enc);
        byte[] shared = HpkeKem.extractAndExpand(ID, dh, HpkeKem.concat(enc, recipient.publicKeyNoCopy()));
        Arrays.fill(dh, (byte) 0);
        return shared;
    }

    /**
     * DH(sk, pk) = the x-coordinate of sk·pk (RFC 9180 §7.1.1), after checking pk is a valid curve point; computed by
     * {@link HpkeEngine#selected()}: AWS-LC's P-256 where it loads, else the JDK's.
     */
    private static byte[] dh(HpkePrivateKey sk, byte[] pk) throws HpkeException {
        ECPoint point = decodePublicKey(pk);
        byte[] skBytes = sk.serializedPrivateKey().reveal();
        try {
            return HpkeEngine.selected()
                    .ecdh(
                            new ECPrivateKeySpec(new BigInteger(1, skBytes), JDK_PARAMS),
                            new ECPublicKeySpec(point, JDK_PARAMS));
        } catch (GeneralSecurityException e) {
            throw new HpkeException("P-256 ECDH failed", e);
        } finally {
            Arrays.fill(skBytes, (byte) 0);
        }
    }

    /** {@code DeserializePublicKey}: uncompressed SEC1 encoding of a point on the curve, not the identity. */
    private static ECPoint decodePublicKey(byte[] pk) throws HpkeException {
        if (pk.length != ID.nPk() || pk[0] != 0x04) {
            throw new HpkeException("P-256 public key must be a 65-byte uncompressed point");
        }
        org.bouncycastle.math.ec.ECPoint point;
        try {
            ECCurve curve = CURVE.getCurve();
            point = curve.decodePoint(pk).normalize();
        } catch (IllegalArgumentException e) {
            throw new HpkeException("P-256 public key is not a point on the curve");
        }
        if (point.isInfinity() || !point.isValid()) {
            throw new HpkeException("P-256 public key is not a valid curve point");
        }
        return new ECPoint(
                point.getAffineXCoord().toBigInteger(), point.getAffineYCoord().toBigInteger());
    }

    private static byte[] fixedLength(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        Arrays.fill(raw, (byte) 0);
        return out;
    }
}
