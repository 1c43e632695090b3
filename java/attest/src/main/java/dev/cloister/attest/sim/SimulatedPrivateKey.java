package dev.cloister.attest.sim;

import dev.cloister.base.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;

/**
 * A simulated platform's private key (an ARK, VCEK, PCK or device key): its PKCS #8 encoding held as
 * {@link SecretBytes}. Each signature rebuilds the JCA key with {@link #toPrivateKey()}, the one read of the secret;
 * {@link #toString()} shows only the algorithm.
 */
final class SimulatedPrivateKey {

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

    /** The PKCS #8 encoding, for the platform's file; the caller zeroes it. */
    byte[] encoded() {
        return pkcs8.reveal();
    }

    @Override
    public String toString() {
        return "SimulatedPrivateKey[" + algorithm + ", redacted]";
    }
}
