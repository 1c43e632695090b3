package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * ECDSA P-256 / SHA-256 with r ‖ s signatures (the encoding of DCAP quotes and of Intel's PCS JSON signatures) through
 * BouncyCastle's P-256 arithmetic, which is several times faster than the JDK's. Public keys are validated (on the
 * curve, not the point at infinity) and kept, with the precomputation BouncyCastle attaches to a point, in a bounded
 * cache keyed by their coordinates: a platform's PCK and attestation keys recur in every quote it makes.
 */
final class P256 {

    private static final X9ECParameters X9 = CustomNamedCurves.getByName("P-256");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(X9);
    private static final int MAX_KEYS = 1024;
    private static final Map<String, ECPublicKeyParameters> KEYS = new ConcurrentHashMap<>();

    private P256() {}

    /** The key of raw coordinates x ‖ y (32 bytes each, big-endian). */
    static ECPublicKeyParameters key(byte[] xy) throws AttestationException {
        if (xy.length != 64) {
            throw new AttestationException("P-256 key: " + xy.length + " bytes, want 64");
        }
        String id = Hex.format(xy);
        ECPublicKeyParameters k = KEYS.get(id);
        if (k != null) {
            return k;
        }
        try {
            k = new ECPublicKeyParameters(
                    X9.getCurve()
                            .createPoint(
                                    new BigInteger(1, Arrays.copyOf(xy, 32)),
                                    new BigInteger(1, Arrays.copyOfRange(xy, 32, 64))),
                    DOMAIN);
        } catch (RuntimeException e) {
            throw new AttestationException("not a valid P-256 point", e);
        }
        if (KEYS.size() >= MAX_KEYS) {
            KEYS.clear();
        }
        KEYS.put(id, k);
        return k;
    }

    /** The key of a certificate's public key, which must be on P-256. */
    static ECPublicKeyParameters key(PublicKey publicKey) throws AttestationException {
        if (!(publicKey instanceof ECPublicKey ec)
                || !X9.getN().equals(ec.getParams().getOrder())) {
            throw new AttestationException("not an EC P-256 key");
        }
        byte[] xy = new byte[64];
        put(ec.getW().getAffineX(), xy, 0);
        put(ec.getW().getAffineY(), xy, 32);
        return key(xy);
    }

    private static void put(BigInteger v, byte[] out, int at) throws AttestationException {
        byte[] b = v.toByteArray();
        int n = b.length;
        int skip = 0;
        while (n - skip > 32 && b[skip] == 0) {
            skip++;
        }
        if (n - skip > 32) {
            throw new AttestationException("P-256 coordinate out of range");
        }
        System.arraycopy(b, skip, out, at + 32 - (n - skip), n - skip);
    }

    /** Whether {@code sig} (r ‖ s, 64 bytes) is a valid signature of SHA-256({@code data}) under {@code key}. */
    static boolean verify(ECPublicKeyParameters key, byte[] data, byte[] sig) {
        if (sig.length != 64) {
            return false;
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
        ECDSASigner v = new ECDSASigner();
        v.init(false, key);
        return v.verifySignature(
                digest, new BigInteger(1, Arrays.copyOf(sig, 32)), new BigInteger(1, Arrays.copyOfRange(sig, 32, 64)));
    }
}
