package dev.cloister.attest.sim;

import dev.cloister.base.SecretBytes;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * A simulated platform's private key (an ARK, VCEK, PCK or device key): its PKCS #8 encoding held as
 * {@link SecretBytes}. Each signature rebuilds the JCA key with {@link #toPrivateKey()}, the one read of the secret;
 * {@link #toString()} shows only the algorithm.
 */
final class SimulatedPrivateKey {

    /**
     * P-384 on BouncyCastle's fixed-width custom curve; its generator keeps the comb table that {@link ECDSASigner}
     * builds on first use, so each signature costs one comb multiplication.
     */
    private static final ECDomainParameters P384 = new ECDomainParameters(CustomNamedCurves.getByName("secp384r1"));

    private final String algorithm;
    private final SecretBytes pkcs8;

    private SimulatedPrivateKey(String algorithm, SecretBytes pkcs8) {
        this.algorithm = algorithm;
        this.pkcs8 = pkcs8;
    }

    /** The key of a freshly generated pair. */
    static SimulatedPrivateKey of(PrivateKey key) {
        return new SimulatedPrivateKey(key.getAlgorithm(), SecretBytes.takeFrom(key.getEncoded()));
    }

    /**
     * A key from its PKCS #8 encoding (which this zeroes), checked by decoding it once.
     *
     * @param algorithm the JCA key algorithm, {@code "EC"} or {@code "RSA"}
     */
    static SimulatedPrivateKey fromPkcs8(String algorithm, byte[] encoded) throws GeneralSecurityException {
        SimulatedPrivateKey key = new SimulatedPrivateKey(algorithm, SecretBytes.takeFrom(encoded));
        key.toPrivateKey();
        return key;
    }

    /** The JCA key, for one signature. */
    PrivateKey toPrivateKey() throws GeneralSecurityException {
        byte[] encoded = pkcs8.reveal();
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(encoded));
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /**
     * ECDSA P-384 (r, s) over a SHA-384 digest, with a nonce from {@code random}: BouncyCastle's signer on the custom
     * curve (about a quarter of the JDK's P-384 signing time; a simulated report is signed on every RA-TLS handshake).
     * Reads the secret once, like {@link #toPrivateKey()}.
     *
     * @throws GeneralSecurityException if this is not an EC key on P-384
     */
    BigInteger[] signP384(byte[] digest, SecureRandom random) throws GeneralSecurityException {
        byte[] encoded = pkcs8.reveal();
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(encoded);
            if (!X9ObjectIdentifiers.id_ecPublicKey.equals(
                            info.getPrivateKeyAlgorithm().getAlgorithm())
                    || !SECObjectIdentifiers.secp384r1.equals(
                            info.getPrivateKeyAlgorithm().getParameters())) {
                throw new GeneralSecurityException("not an EC key on P-384: " + algorithm);
            }
            BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey())
                    .getKey();
            ECDSASigner ecdsa = new ECDSASigner();
            ecdsa.init(true, new ParametersWithRandom(new ECPrivateKeyParameters(d, P384), random));
            return ecdsa.generateSignature(digest);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new GeneralSecurityException("unreadable PKCS #8 EC key", e);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** The PKCS #8 encoding, for the platform's file; the caller zeroes it. */
    byte[] encoded() {
        return pkcs8.reveal();
    }

    @Override
    public String toString() {
        return "SimulatedPrivateKey[" + algorithm + ", redacted]";
    }
}
